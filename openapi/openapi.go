// Package openapi holds the OpenAPI 3 document of the partner API and the
// token service. The server serves it at /openapi.yaml and the end-to-end
// tests check every response they receive against it.
package openapi

import _ "embed"

// Document is the OpenAPI 3 document, in YAML.
//
//go:embed openapi.yaml
var Document []byte
