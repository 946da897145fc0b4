package credentials_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/secusers/secusers/internal/credentials"
)

// TestRedaction prints a Box and Secrets every way a log line or an error
// message could, and looks for the key or the secret in the output.
func TestRedaction(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	box := newBox(t, key)
	const secret = "Xy8Q~very.secret.value"
	certKey := "-----BEGIN PRIVATE KEY-----\nPRIVATEKEYMATERIAL\n-----END PRIVATE KEY-----\n"
	type holder struct { // a struct that fmt cannot call methods through
		box    *credentials.Box
		secret credentials.Secret
		cert   credentials.Secret
	}
	values := []any{
		box, *box,
		credentials.NewClientSecret(secret),
		credentials.NewCertificate([]byte("cert"), []byte(certKey)),
		holder{box, credentials.NewClientSecret(secret), credentials.NewCertificate(nil, []byte(certKey))},
		&holder{box, credentials.NewClientSecret(secret), credentials.NewCertificate(nil, []byte(certKey))},
	}
	forbidden := []string{
		secret, "PRIVATEKEYMATERIAL", hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key),
		string(key), fmt.Sprint(key[:8]), fmt.Sprintf("%x", []byte(secret)), fmt.Sprint([]byte(secret)[:6]),
	}
	var out bytes.Buffer
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q", "%o", "%b"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
		slog.New(slog.NewJSONHandler(&out, nil)).Info("msg", "value", v)
		slog.New(slog.NewTextHandler(&out, nil)).Info("msg", "value", v)
		if j, err := json.Marshal(v); err == nil {
			out.Write(j)
		}
	}
	for _, f := range forbidden {
		if strings.Contains(out.String(), f) {
			t.Errorf("the output holds key or secret material %q:\n%s", f, out.String())
		}
	}
}
