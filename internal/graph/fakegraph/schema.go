package fakegraph

import (
	"slices"
	"strings"
)

// prop is one property of a resource and how to write its value.
type prop[T any] struct {
	name  string
	write func(e *enc, v *T)
}

// schema is the properties a read can return, the ones it returns without
// $select, and the type name Graph puts in its "no such property" error.
type schema[T any] struct {
	typeName string
	props    []prop[T]
	defaults []int
	byName   map[string]int // lower-cased name → index
}

func newSchema[T any](typeName string, props []prop[T], defaults ...string) *schema[T] {
	s := &schema[T]{typeName: typeName, props: props, byName: make(map[string]int, len(props))}
	for i, p := range props {
		s.byName[strings.ToLower(p.name)] = i
	}
	for _, d := range defaults {
		s.defaults = append(s.defaults, s.byName[strings.ToLower(d)])
	}
	if len(defaults) == 0 { // the whole resource
		for i := range props {
			s.defaults = append(s.defaults, i)
		}
	}
	return s
}

// selection is what one request asked for: the properties to write, in
// order, and the canonical $select list it echoes in @odata.context and in
// @odata.nextLink ("" without $select).
type selection struct {
	props    []int
	selected string
}

// selects reports whether sel writes the named property.
func (s *schema[T]) selects(sel selection, name string) bool {
	i, ok := s.index(name)
	return ok && slices.Contains(sel.props, i)
}

func (s *schema[T]) index(name string) (int, bool) {
	i, ok := s.byName[strings.ToLower(name)]
	return i, ok
}

// parseSelect reads a $select value. Names match without regard to case, as
// in Graph, and come back in their canonical case; id is always written, as
// Graph writes the key of directory objects whatever is selected. An
// unknown name is Graph's 400.
func (s *schema[T]) parseSelect(raw string) (selection, *graphError) {
	if strings.TrimSpace(raw) == "" {
		return selection{props: s.defaults}, nil
	}
	var sel selection
	var names []string
	seen := make(map[int]bool)
	for _, n := range strings.Split(raw, ",") {
		n = strings.TrimSpace(n)
		i, ok := s.index(n)
		if !ok {
			return selection{}, badRequest("Request_BadRequest",
				"Could not find a property named '"+n+"' on type '"+s.typeName+"'.")
		}
		if seen[i] {
			continue
		}
		seen[i] = true
		names = append(names, s.props[i].name)
		sel.props = append(sel.props, i)
	}
	if id, ok := s.index("id"); ok && !seen[id] {
		sel.props = append([]int{id}, sel.props...)
	}
	sel.selected = strings.Join(names, ",")
	return sel, nil
}

// write writes one item as a JSON object of the selected properties.
func (s *schema[T]) write(e *enc, sel selection, v *T) {
	e.buf = append(e.buf, '{')
	for k, i := range sel.props {
		e.key(s.props[i].name, k == 0)
		s.props[i].write(e, v)
	}
	e.buf = append(e.buf, '}')
}
