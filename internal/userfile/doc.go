// Package userfile reads and writes the JSON Lines user-record format of the
// import and export commands (spec/cli.md, "Import and export of user
// records"): one JSON object a line, holding the API's user fields in
// camelCase except age, plus lastPasswordChangeDateTime.
//
// The reader is strict because an import replaces a tenant's users as one
// transaction: a record that a lenient reader would half-understand (a
// misspelt field, a string where a number belongs) would silently change
// the data, so every such line is an error that names the line. What the
// writer writes, the reader reads back to the same users.
package userfile
