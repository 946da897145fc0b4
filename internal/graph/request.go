package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// maxPageBytes bounds the body of one page. Graph's largest pages (999
// users with every selected property) are a few MiB; the bound keeps a
// broken or hostile server from exhausting memory.
const maxPageBytes = 64 << 20

// maxErrorBytes bounds the error body read for its code and message.
const maxErrorBytes = 1 << 20

// attempt makes one GET of rawURL and reads a 200's body into buf. Any
// other status is an *Error; failing to exchange the request is a
// *netError. The semaphore slot is held for the request and its body, not
// for the token or the waits between tries.
func (c *Client) attempt(ctx context.Context, read, rawURL string, buf *bytes.Buffer) error {
	tok, err := c.tokens.token(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	tok.SetAuthHeader(req)
	req.Header.Set("Accept", "application/json")
	if read == ReadRegistrationDetails {
		// Else Graph names every method newer than v1.0's enum (passkeys
		// among them) unknownFutureValue, and method strength would miss
		// the strongest.
		req.Header.Set("Prefer", "include-unknown-enum-members")
	}
	if err := c.acquire(ctx); err != nil {
		return err
	}
	defer c.release()
	c.obs.OnRequest(read)
	resp, err := c.http.Do(req)
	if err != nil {
		return &netError{err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e := c.statusError(read, resp)
		if resp.StatusCode == http.StatusUnauthorized {
			if err := c.tokens.invalidate(ctx, tok); err != nil {
				return err
			}
		}
		return e
	}
	tooLarge := fmt.Errorf("page over the limit of %d bytes", c.maxPage)
	if resp.ContentLength > c.maxPage {
		return tooLarge
	}
	buf.Reset()
	n, err := io.Copy(buf, io.LimitReader(resp.Body, c.maxPage+1))
	if err != nil {
		return &netError{err}
	}
	if n > c.maxPage {
		return tooLarge
	}
	return nil
}

func (c *Client) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) release() { <-c.sem }

// errorBody is Graph's error body, with the inner error's request id.
type errorBody struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			RequestID string `json:"request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// statusError reads Graph's answer other than 200 into an *Error. A body
// that is not Graph's JSON (a gateway's HTML page) leaves Code and Message
// empty: the status says enough.
func (c *Client) statusError(read string, resp *http.Response) *Error {
	e := &Error{StatusCode: resp.StatusCode, Read: read, RequestID: resp.Header.Get("request-id")}
	var body errorBody
	if json.NewDecoder(io.LimitReader(resp.Body, maxErrorBytes)).Decode(&body) == nil {
		e.Code = truncate(body.Error.Code, 100)
		e.Message = truncate(body.Error.Message, maxMessage)
		if e.RequestID == "" {
			e.RequestID = truncate(body.Error.InnerError.RequestID, 100)
		}
	}
	if throttled(resp.StatusCode) {
		e.RetryAfter, _ = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	}
	return e
}
