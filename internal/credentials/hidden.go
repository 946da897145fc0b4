package credentials

// hidden holds a value where fmt cannot reach it. A struct that holds a Box
// or a Secret in an unexported field is printed by reflection, without the
// redacting methods; reflection prints a struct's fields, and under a verb
// that does not fit (%s of a pointer) even the fields of a struct behind a
// pointer. A func, though, it prints as its address under every verb.
type hidden[T any] func() T

// hide returns a hidden holding v.
func hide[T any](v T) hidden[T] { return func() T { return v } }
