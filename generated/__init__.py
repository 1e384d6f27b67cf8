"""Generated code only (scripts/generate.sh from openapi/interactions.yaml); never edit by hand."""
