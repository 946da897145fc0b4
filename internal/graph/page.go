package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strings"
)

// wirePage is a page as decoded. Value is a pointer so that a body without
// a value array (not a collection at all) is told from an empty page.
type wirePage[T any] struct {
	Value    *[]T   `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// decodePage decodes one page body. Properties the types do not name
// (@odata.context, properties Graph adds later) are ignored; a property of
// the wrong type is an error, not a silently zero value.
func decodePage[T any](body []byte) (Page[T], error) {
	var w wirePage[T]
	if err := json.Unmarshal(body, &w); err != nil {
		return Page[T]{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if w.Value == nil {
		return Page[T]{}, errors.New("not a collection: no value array")
	}
	return Page[T]{Value: *w.Value, NextLink: w.NextLink}, nil
}

// collection reads the collection at path (below the Graph URL) page by
// page, following @odata.nextLink, and yields its items. Only one page is
// held at a time, so memory stays bounded however large the tenant. An
// error is yielded once, with a zero T, and ends the sequence; stopping the
// loop early stops the reading.
func collection[T any](ctx context.Context, c *Client, read, path string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		var buf bytes.Buffer // reused: the decoded items copy what they keep
		link := c.graph.String() + path
		for n := 1; ; n++ {
			page, err := fetchPage[T](ctx, c, read, link, n, &buf)
			if err != nil {
				yield(zero, err)
				return
			}
			c.obs.OnPage(read, len(page.Value))
			for _, v := range page.Value {
				if !yield(v, nil) {
					return
				}
			}
			if page.NextLink == "" {
				return
			}
			if link, err = c.nextLink(link, page.NextLink); err != nil {
				yield(zero, fmt.Errorf("graph %s: page %d: %w", read, n, err))
				return
			}
		}
	}
}

// object reads the single object at path (below the Graph URL).
func object[T any](ctx context.Context, c *Client, read, path string) (T, error) {
	var v T
	var buf bytes.Buffer
	if err := c.get(ctx, read, c.graph.String()+path, &buf); err != nil {
		return v, err
	}
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
		return v, fmt.Errorf("graph %s: invalid JSON: %w", read, err)
	}
	c.obs.OnPage(read, 1)
	return v, nil
}

// fetchPage fetches and decodes page n at link.
func fetchPage[T any](ctx context.Context, c *Client, read, link string, n int, buf *bytes.Buffer) (Page[T], error) {
	if err := c.get(ctx, read, link, buf); err != nil {
		return Page[T]{}, err
	}
	page, err := decodePage[T](buf.Bytes())
	if err != nil {
		return Page[T]{}, fmt.Errorf("graph %s: page %d: %w", read, n, err)
	}
	return page, nil
}

// nextLink resolves an @odata.nextLink against the page it came from and
// refuses one that leaves the Graph URL: the next request carries the
// tenant's token, which must go to Graph and nowhere else. A link to the
// page itself is refused too, as it would loop forever.
func (c *Client) nextLink(current, link string) (string, error) {
	cur, err := url.Parse(current)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("invalid @odata.nextLink: %w", err)
	}
	u = cur.ResolveReference(u)
	if u.Scheme != c.graph.Scheme || !strings.EqualFold(u.Host, c.graph.Host) || u.User != nil ||
		!strings.HasPrefix(u.Path, c.graph.Path+"/") {
		return "", fmt.Errorf("refused @odata.nextLink to %s://%s%s: it is not below the Graph URL %s",
			u.Scheme, u.Host, u.Path, c.graph)
	}
	next := u.String()
	if next == current {
		return "", errors.New("@odata.nextLink is the page's own URL")
	}
	return next, nil
}
