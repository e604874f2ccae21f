package scenarios

import (
	"context"
	"fmt"
	"slices"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

// LintConfigs lints every operator config directory the specs name
// (target.config) for the versions they run on, so a run's report shows
// the findings next to the verdicts. Users is the most users any of the
// directory's scenarios logs in.
func LintConfigs(specs []Spec, versions []Version) ([]reports.ConfigLint, error) {
	var out []reports.ConfigLint
	users := map[string]int{}
	for _, s := range specs {
		dir := s.Target.Config
		if dir == "" {
			continue
		}
		i := slices.IndexFunc(out, func(c reports.ConfigLint) bool { return c.Dir == dir })
		if i < 0 {
			out = append(out, reports.ConfigLint{Dir: dir})
			i = len(out) - 1
		}
		out[i].Scenarios = append(out[i].Scenarios, s.Name)
		for _, v := range versions {
			if s.AppliesTo(v.Image.Version) && !slices.Contains(out[i].Versions, v.Label) {
				out[i].Versions = append(out[i].Versions, v.Label)
			}
		}
		u := s.Target.Users
		if u == 0 {
			u = defaultUsers
		}
		users[dir] = max(users[dir], u)
	}
	for i := range out {
		d, err := xrdpconf.Load(out[i].Dir)
		if err != nil {
			return nil, err
		}
		out[i].Files = d.Names()
		var vs []lint.Version
		for _, l := range out[i].Versions {
			v, err := lint.ParseVersion(l)
			if err != nil {
				return nil, fmt.Errorf("scenarios: lint %s: %w", out[i].Dir, err)
			}
			vs = append(vs, v)
		}
		out[i].Findings = lint.Lint(lint.Config{Sesman: d.Ini("sesman.ini"), Xrdp: d.Ini("xrdp.ini"), Users: users[out[i].Dir]}, vs)
		if out[i].Findings == nil {
			out[i].Findings = []lint.Finding{}
		}
	}
	return out, nil
}

// ConfigDrift reads each version's packaged files from its image
// (containers.Builder.Defaults) and compares the directory's files with
// them: the first version alone, each other one against the first (the
// FROM side of the run's comparisons).
func ConfigDrift(ctx context.Context, b *containers.Builder, dir string, versions []Version) ([]xrdpconf.Drift, error) {
	d, err := xrdpconf.Load(dir)
	if err != nil {
		return nil, err
	}
	var out []xrdpconf.Drift
	var first map[string][]byte
	for i, v := range versions {
		img, err := b.Ensure(ctx, v.Image)
		if err != nil {
			return out, err
		}
		files, err := b.Defaults(ctx, img)
		if err != nil {
			return out, err
		}
		if i == 0 {
			first = files
			out = append(out, xrdpconf.Compare(d, "", nil, v.Label, files))
			continue
		}
		out = append(out, xrdpconf.Compare(d, versions[0].Label, first, v.Label, files))
	}
	return out, nil
}
