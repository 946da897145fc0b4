package fakegraph

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"time"
)

// Run serves a generated tenant of users users on addr until ctx ends: the
// body of `secusers fakegraph --addr 127.0.0.1:0 --users N --seed S`. It
// prints where it listens and the tenant id, client id and client secret a
// connect command needs; the same seed gives the same tenant and
// credentials, so a demo script can be rerun.
func Run(ctx context.Context, addr string, users int, seed int64, out io.Writer) error {
	t := Generate(seed, users, time.Now(), GenerateOptions{})
	s := NewServer(t)
	clientID, secret := DemoClient(seed)
	s.RegisterSecret(clientID, secret)
	url, err := s.Start(addr)
	if err != nil {
		return fmt.Errorf("fakegraph: %w", err)
	}
	fmt.Fprintf(out, "fakegraph listening on %s\n", url)
	fmt.Fprintf(out, "tenant id:     %s (%d users, seed %d)\n", t.EntraTenantID, users, seed)
	fmt.Fprintf(out, "client id:     %s\n", clientID)
	fmt.Fprintf(out, "client secret: %s\n", secret)
	fmt.Fprintf(out, "connect with:  secusers admin tenant connect --tenant TID --entra-tenant-id %s --client-id %s --client-secret '%s' --graph-url %s --login-url %s\n",
		t.EntraTenantID, clientID, secret, url, url)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Close(shutdown)
}

// DemoClient is the client id and secret Run registers for a seed: an app
// registration's GUID and a secret in Entra's form (three characters, a
// digit, "Q~", then 34 more).
func DemoClient(seed int64) (clientID, secret string) {
	r := newRNG(seed, kindTenant, 1)
	clientID = r.guid()
	var b [30]byte
	for i := range b {
		b[i] = byte(r.next())
	}
	s := base64.RawURLEncoding.EncodeToString(b[:]) // 40 characters
	return clientID, s[:3] + "8Q~" + s[3:37]
}
