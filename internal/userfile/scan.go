package userfile

import (
	"bytes"
	"encoding/json"

	"github.com/secusers/secusers/internal/secusers"
)

// scanMembers calls fn with the name of each member of the top-level object
// in data, and whether its value is null, in order. data must be valid JSON
// (json.Unmarshal checked it); a value that is not an object is an error.
// The scan does not allocate for names without escapes, which is every name
// a writer produces.
func scanMembers(data []byte, fn func(name []byte, null bool) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return secusers.Errorf(secusers.Invalid, "a record must be a JSON object")
	}
	i++
	for {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] == '}' {
			return nil
		}
		if data[i] == ',' {
			i = skipSpace(data, i+1)
		}
		end := stringEnd(data, i)
		name := data[i+1 : max(i+1, end-1)]
		if bytes.IndexByte(name, '\\') >= 0 {
			var s string
			if json.Unmarshal(data[i:end], &s) == nil {
				name = []byte(s)
			}
		}
		i = skipSpace(data, end)
		i = skipSpace(data, i+1) // past the colon
		vend := valueEnd(data, i)
		if err := fn(name, string(data[i:vend]) == "null"); err != nil {
			return err
		}
		i = vend
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just after the string that starts at i.
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// valueEnd returns the index just after the value that starts at i.
func valueEnd(data []byte, i int) int {
	if i >= len(data) {
		return len(data)
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = stringEnd(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	}
	j := i
	for j < len(data) && !endsLiteral(data[j]) {
		j++
	}
	return j
}

// endsLiteral reports whether c ends a number, true, false or null.
func endsLiteral(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}
