package lsp

import (
	"context"
	"errors"

	"go.lsp.dev/jsonrpc2"
)

// tolerantStream keeps the connection alive when a frame holds malformed
// JSON or an invalid JSON-RPC message: it answers with the JSON-RPC error
// (id null, as the specification says) and reads on. Framing errors and
// the end of input still end the stream.
type tolerantStream struct {
	jsonrpc2.Stream
}

func (s tolerantStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		msg, n, err := s.Stream.Read(ctx)
		if err == nil || !errors.Is(err, jsonrpc2.ErrParse) && !errors.Is(err, jsonrpc2.ErrInvalidRequest) {
			return msg, n, err
		}
		if _, werr := s.Stream.Write(ctx, jsonrpc2.NewResponse(jsonrpc2.ID{}, nil, err)); werr != nil {
			return nil, 0, werr
		}
	}
}
