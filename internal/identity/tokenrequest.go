package identity

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxBodyBytes bounds a token request's body. A real one is a few hundred
// bytes; the bound keeps a client from making the server buffer megabytes.
const maxBodyBytes = 64 << 10

// singleParams are the parameters this endpoint reads. RFC 6749 §3.2 says a
// parameter must not be sent more than once; reading the first of several
// copies could let a proxy and this server see different requests.
var singleParams = []string{"grant_type", "scope", "client_id", "client_secret", "client_assertion", "client_assertion_type"}

// tokenRequest is a token request whose form has been read and checked.
type tokenRequest struct {
	form url.Values
	// basic holds the client_secret_basic credentials, decoded; nil when
	// the request has no Authorization header.
	basic *basicCredentials

	// assertion caches the parsed client_assertion, which both the rate
	// limit (for its client id) and the authentication read.
	assertion    *clientAssertion
	assertionErr error
	parsed       bool
}

// clientAssertion parses the client_assertion parameter once.
func (tr *tokenRequest) clientAssertion() (*clientAssertion, error) {
	if !tr.parsed {
		tr.assertion, tr.assertionErr = parseClientAssertion(tr.param("client_assertion"))
		tr.parsed = true
	}
	return tr.assertion, tr.assertionErr
}

type basicCredentials struct {
	clientID, secret string
}

// param returns a parameter's value. A parameter without a value counts as
// absent (RFC 6749 §3.1), so both read as "".
func (tr *tokenRequest) param(name string) string { return tr.form.Get(name) }

// parseTokenRequest reads the form body and the Authorization header. Query
// parameters are ignored: credentials in a URL end up in logs.
func parseTokenRequest(w http.ResponseWriter, r *http.Request) (*tokenRequest, error) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("the request body must be application/x-www-form-urlencoded")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, invalidRequest("the request body is larger than 64 KiB")
		}
		return nil, invalidRequest("the request body could not be read")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, invalidRequest("the request body is not a valid form")
	}
	for _, name := range singleParams {
		if len(form[name]) > 1 {
			return nil, invalidRequest("the parameter " + name + " is repeated")
		}
	}
	tr := &tokenRequest{form: form}
	if tr.basic, err = parseBasic(r.Header); err != nil {
		return nil, err
	}
	return tr, nil
}

// parseBasic decodes client_secret_basic credentials. RFC 6749 §2.3.1 has
// the client form-urlencode its id and secret before Basic-encoding them, so
// both are unescaped here ('+' is a space, as in a form). Basic credentials
// that do not decode, and a repeated header, are a malformed request
// (invalid_request, 400), as RFC 6749 §5.2 classes them.
func parseBasic(h http.Header) (*basicCredentials, error) {
	values := h.Values("Authorization")
	switch {
	case len(values) == 0:
		return nil, nil
	case len(values) > 1:
		return nil, invalidRequest("the Authorization header is repeated")
	}
	scheme, _, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Basic") {
		// An unsupported authentication method is invalid_client, and a
		// client that tried the Authorization header gets the 401 with a
		// challenge (RFC 6749 §5.2), which tells it the scheme to use.
		return nil, &oauthError{code: codeInvalidClient, viaHeader: true,
			description: "the Authorization header must use the Basic scheme (client_secret_basic)"}
	}
	r := http.Request{Header: http.Header{"Authorization": values}}
	rawID, rawSecret, ok := r.BasicAuth()
	if !ok {
		return nil, invalidRequest("the Authorization header is not valid Basic credentials")
	}
	id, err1 := url.QueryUnescape(rawID)
	secret, err2 := url.QueryUnescape(rawSecret)
	if err1 != nil || err2 != nil {
		return nil, invalidRequest("the Basic credentials must be form-urlencoded (RFC 6749 section 2.3.1)")
	}
	return &basicCredentials{clientID: id, secret: secret}, nil
}
