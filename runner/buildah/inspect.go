package buildah

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Config is the runtime configuration of an image or working container, as
// `buildah inspect` reports it (the Docker and OCI forms share these names).
type Config struct {
	User         string
	ExposedPorts map[string]struct{}
	Env          []string
	Entrypoint   []string
	Cmd          []string
	Volumes      map[string]struct{}
	WorkingDir   string
	Labels       map[string]string
	StopSignal   string
	Healthcheck  *Healthcheck
	OnBuild      []string
	Shell        []string
}

// Healthcheck is a Docker image health check.
type Healthcheck struct {
	Test        []string
	Interval    time.Duration
	Timeout     time.Duration
	StartPeriod time.Duration
	Retries     int
}

// ImageInfo is what the runner needs from `buildah inspect`.
type ImageInfo struct {
	// ID is the image ID (of the base image for a container).
	ID string
	// Format is "docker" or "oci", from the manifest's media type.
	Format string
	// OCI is the OCI configuration; Docker the Docker one, which also
	// holds Healthcheck, OnBuild and Shell.
	OCI, Docker Config
	// Architecture, OS and Variant are the image's platform.
	Architecture, OS, Variant string
	// Layers is the number of layers; Size their total size in bytes as
	// stored (uncompressed for images committed locally).
	Layers int
	Size   int64
}

// Config returns the configuration of the image's own format.
func (i *ImageInfo) Config() Config {
	if i.Format == "docker" {
		return i.Docker
	}
	return i.OCI
}

type inspectJSON struct {
	FromImageID string
	Manifest    string
	OCIv1       struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
		Variant      string `json:"variant"`
		Config       Config `json:"config"`
		RootFS       struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	Docker struct {
		Config Config `json:"config"`
	}
}

type manifestJSON struct {
	MediaType string `json:"mediaType"`
	Layers    []struct {
		Size int64 `json:"size"`
	} `json:"layers"`
}

// InspectImage inspects an image in the store.
func (c *CLI) InspectImage(ctx context.Context, image string) (*ImageInfo, error) {
	return c.inspect(ctx, "image", image)
}

// InspectContainer inspects a working container; its configuration is the
// one the next commit would write.
func (c *CLI) InspectContainer(ctx context.Context, ctr string) (*ImageInfo, error) {
	return c.inspect(ctx, "container", ctr)
}

func (c *CLI) inspect(ctx context.Context, typ, name string) (*ImageInfo, error) {
	out, err := c.Output(ctx, "inspect", "--type", typ, name)
	if err != nil {
		return nil, err
	}
	return ParseInspect(out)
}

// ParseInspect decodes the JSON `buildah inspect` prints.
func ParseInspect(out []byte) (*ImageInfo, error) {
	var raw inspectJSON
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("decoding buildah inspect output: %w", err)
	}
	info := &ImageInfo{
		ID:           raw.FromImageID,
		Format:       "oci",
		OCI:          raw.OCIv1.Config,
		Docker:       raw.Docker.Config,
		Architecture: raw.OCIv1.Architecture,
		OS:           raw.OCIv1.OS,
		Variant:      raw.OCIv1.Variant,
		Layers:       len(raw.OCIv1.RootFS.DiffIDs),
	}
	if raw.Manifest != "" {
		var m manifestJSON
		if err := json.Unmarshal([]byte(raw.Manifest), &m); err != nil {
			return nil, fmt.Errorf("decoding image manifest: %w", err)
		}
		if strings.Contains(m.MediaType, "docker") {
			info.Format = "docker"
		}
		for _, l := range m.Layers {
			info.Size += l.Size
		}
	}
	return info, nil
}
