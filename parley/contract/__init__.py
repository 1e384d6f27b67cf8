"""The Interactions API contract kit, shipped in the package: `spec` validates bodies and event
streams against the packaged OpenAPI document, `checks` are the contract's checks as plain code, and
`runner` is `parley contract` (a table of results for any running implementation)."""
