// This target holds only code generated from openapi/tws.yaml by the OpenAPI generator plugin;
// SwiftPM needs one source file to see the target.
