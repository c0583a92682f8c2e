package openapi

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
)

// GatewayDocument turns a stored single-file document (JSON or YAML,
// OpenAPI 2.0, 3.0 or 3.1, external refs already internalized) into the
// OpenAPI 3.x JSON the gateway's mock and request validation read: Swagger
// 2.0 is converted to 3.0; 3.x keeps its content, re-serialized as JSON.
func GatewayDocument(ctx context.Context, doc []byte) ([]byte, error) {
	tree, _, err := parseDocument(doc, parseOptions{maxDepth: 10000})
	if err != nil {
		return nil, fmt.Errorf("gateway document: %w", err)
	}
	data := toJSON(tree)
	var head struct {
		Swagger string `json:"swagger"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("gateway document: %w", err)
	}
	if head.Swagger == "" {
		return data, nil
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(data, &doc2); err != nil {
		return nil, fmt.Errorf("gateway document: Swagger 2.0: %w", err)
	}
	doc3, err := openapi2conv.ToV3WithLoader(&doc2, newLoader(ctx), nil)
	if err != nil {
		return nil, fmt.Errorf("gateway document: convert Swagger 2.0: %w", err)
	}
	out, err := json.Marshal(doc3)
	if err != nil {
		return nil, fmt.Errorf("gateway document: %w", err)
	}
	return out, nil
}
