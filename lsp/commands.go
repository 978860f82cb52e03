package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/zimage"
)

// codeRequestFailed is LSP's RequestFailed error code.
const codeRequestFailed = jsonrpc2.Code(-32803)

// commandArgs are the arguments of the zlayer.* commands (design §3).
type commandArgs struct {
	URI       string            `json:"uri"`
	Stage     string            `json:"stage"`
	Tags      []string          `json:"tags"`
	BuildArgs map[string]string `json:"buildArgs"`
	BuildID   string            `json:"buildId"`
	To        string            `json:"to"`
}

// ExecuteCommand implements protocol.Server.
func (s *Server) ExecuteCommand(ctx context.Context, p *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
	var args commandArgs
	if len(p.Arguments) > 0 && len(p.Arguments[0]) > 0 && string(p.Arguments[0]) != "null" {
		if err := json.Unmarshal(p.Arguments[0], &args); err != nil {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s: the argument must be an object like {\"uri\": …}: %v", p.Command, err)
		}
	}
	var result any
	var err error
	switch p.Command {
	case cmdBuildStage:
		if args.Stage == "" {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s needs a stage name: {\"uri\": …, \"stage\": NAME}", p.Command)
		}
		result, err = s.startBuild(args, args.Stage)
	case cmdBuildImage:
		result, err = s.startBuild(args, "")
	case cmdCancelBuild:
		result = map[string]any{"cancelled": s.builds.cancel(args.BuildID)}
	case cmdConvert:
		result, err = s.convert(args)
	default:
		return nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "unknown command %q", p.Command)
	}
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(result)
	if err != nil {
		return nil, err
	}
	return protocol.LSPAny(raw), nil
}

// loadSnapshot returns the analysis of the document at u: the open
// document, or the file on disk when it is not open.
func (s *Server) loadSnapshot(u string) (*snapshot, error) {
	if u == "" {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "the command needs a \"uri\"")
	}
	if d := s.doc(uri.URI(u)); d != nil {
		return d.snapshot(), nil
	}
	path := uriPath(uri.URI(u))
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "cannot read %s: %v", path, err)
	}
	lang := detectLanguage("", path)
	if lang == langUnknown {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s is neither a ZImagefile nor a Dockerfile", path)
	}
	d := &document{s: s, uri: uri.URI(u), path: path, lang: lang, text: text, gen: 1}
	return s.analyze(d, text, 0, 1), nil
}

// planOf converts a snapshot to a stage plan, refusing files with errors.
func planOf(snap *snapshot) (*plan.Plan, error) {
	for _, d := range snap.diags {
		if d.Severity == diag.Error && d.Code != codeBuildFailed {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "%s:%d: %s [%s]; fix the errors in the file first",
				filepath.Base(snap.file.Name), d.Range.Start.Line, d.Message, d.Code)
		}
	}
	switch snap.lang {
	case langZImagefile:
		p, err := snap.zf.Plan()
		if err != nil {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "%s: %v", snap.file.Name, err)
		}
		return p, nil
	case langDockerfile:
		p, ds := snap.df.Plan()
		if diag.HasError(ds) || p == nil {
			msg := "cannot convert the file to a stage plan"
			for _, d := range ds {
				if d.Severity == diag.Error {
					msg = fmt.Sprintf("line %d: %s", d.Range.Start.Line, d.Message)
					break
				}
			}
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "%s: %s", snap.file.Name, msg)
		}
		return p, nil
	}
	return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s is neither a ZImagefile nor a Dockerfile", snap.file.Name)
}

// startBuild starts zlayer.buildStage (target set) or zlayer.buildImage.
// The target is a stage name or, for any stage and in particular one
// without a name, its index.
func (s *Server) startBuild(args commandArgs, target string) (any, error) {
	snap, err := s.loadSnapshot(args.URI)
	if err != nil {
		return nil, err
	}
	p, err := planOf(snap)
	if err != nil {
		s.showMessage(protocol.MessageTypeError, "%s", err.Error())
		return nil, err
	}
	req := buildRequest{path: snap.file.Name, plan: p, settings: snap.settings}
	if target != "" {
		st := snap.outline.stageNamed(target, snap.lang == langDockerfile)
		if st == nil {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s has no stage %q; name a stage or give its index (0 is the first)", filepath.Base(snap.file.Name), target)
		}
		req.target = st.target()
	}
	req.tags = args.Tags
	if len(req.tags) == 0 {
		req.tags = req.settings.Build.Tags
	}
	req.args = map[string]string{}
	maps.Copy(req.args, req.settings.Build.Args)
	maps.Copy(req.args, args.BuildArgs)
	id := s.builds.start(req)
	return map[string]string{"buildId": id}, nil
}

// convert renders the document in the other format.
func (s *Server) convert(args commandArgs) (any, error) {
	snap, err := s.loadSnapshot(args.URI)
	if err != nil {
		return nil, err
	}
	to := strings.ToLower(args.To)
	if to == "" {
		to = "dockerfile"
		if snap.lang == langDockerfile {
			to = "zimagefile"
		}
	}
	p, err := planOf(snap)
	if err != nil {
		return nil, err
	}
	var out []byte
	switch to {
	case "dockerfile":
		out, err = dockerfile.Format(p)
	case "zimagefile":
		out, err = zimage.Format(p)
	default:
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "convert: \"to\" must be \"zimagefile\" or \"dockerfile\", not %q", args.To)
	}
	if err != nil {
		return nil, jsonrpc2.Errorf(codeRequestFailed, "convert %s to %s: %v", snap.file.Name, to, err)
	}
	return string(out), nil
}
