package fakegraph

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
)

// A skiptoken is opaque to clients, as Graph's are: the offset of the next
// page, sealed with an HMAC over the read and the offset, in base64url. A
// client that builds or edits one gets Graph's expired-token error instead
// of a wrong page. The key comes from the tenant, so tokens survive a
// restart of the fake like Graph's survive a change of front end.

const macLen = 12

func (s *Server) skipMAC(e Endpoint, payload []byte) []byte {
	m := hmac.New(sha256.New, s.pageKey)
	m.Write([]byte(e))
	m.Write(payload)
	return m.Sum(nil)[:macLen]
}

func (s *Server) sealSkipToken(e Endpoint, offset int) string {
	payload := binary.AppendUvarint(make([]byte, 0, 10+macLen), uint64(offset))
	return base64.RawURLEncoding.EncodeToString(append(payload, s.skipMAC(e, payload)...))
}

func (s *Server) openSkipToken(e Endpoint, token string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) <= macLen {
		return 0, false
	}
	payload, mac := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	if !hmac.Equal(mac, s.skipMAC(e, payload)) {
		return 0, false
	}
	off, n := binary.Uvarint(payload)
	if n != len(payload) || off > 1<<40 {
		return 0, false
	}
	return int(off), true
}
