package reports

import "time"

// ImageBuild is how a suite got one version's image: found by its content
// hash, or built (with the shared layers it needed), and how long that took
// before the version's first run could start.
type ImageBuild struct {
	Version string        `json:"version"` // the version label of the runs
	Image   string        `json:"image,omitempty"`
	Built   bool          `json:"built"`
	Took    time.Duration `json:"took"`           // build or lookup, shared layers included
	Size    int64         `json:"size,omitempty"` // bytes, shared layers included
	Err     string        `json:"err,omitempty"`
	// Layers are the images it stands on that were needed, this one last.
	Layers []ImageLayer `json:"layers,omitempty"`
}

// ImageLayer is one image of a build's stack (runtime base, build
// dependencies, the xrdp layer).
type ImageLayer struct {
	Image string        `json:"image"`
	Built bool          `json:"built"`
	Took  time.Duration `json:"took,omitempty"`
	Size  int64         `json:"size,omitempty"`
}
