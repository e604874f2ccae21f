package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/knee"
	"github.com/xrdp-harness/xrdp-harness/reports"
	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

// runFlags are the flags of `run`.
type runFlags struct {
	imageFlags
	scenarios listFlag
	compare   listFlag
	out       string
	formats   listFlag
	noCompare bool
	tty       string
	config    string
	nodes     listFlag
	metrics   string
	target    string
	password  string
	parallel  int
	hosts     hostFlags
}

// hostFlags put the run's scenarios on existing hosts over SSH (--ssh),
// without a scenario file that names them.
type hostFlags struct {
	logins      listFlag
	identity    string
	agent       bool
	knownHosts  string
	fingerprint string
	users       listFlag
	pwEnv       string
	allowFaults bool
	front       string
}

func (h *hostFlags) register(fs *pflag.FlagSet) {
	fs.Var(&h.logins, "ssh", "run on an existing xrdp host over SSH, USER@HOST:PORT (repeatable: two or more are a fleet, users spread round robin)")
	fs.StringVar(&h.identity, "identity", "", "with --ssh: private key file (unencrypted)")
	fs.BoolVar(&h.agent, "ssh-agent", false, "with --ssh: keys from the agent at $SSH_AUTH_SOCK")
	fs.StringVar(&h.knownHosts, "known-hosts", "", "with --ssh: known_hosts file the host keys are verified against")
	fs.StringVar(&h.fingerprint, "host-key-fingerprint", "", "with --ssh: the host's pinned key, SHA256:... as ssh-keygen -lf prints")
	fs.Var(&h.users, "test-users", "with --ssh: the test accounts on the hosts, comma-separated (faults touch only their sessions)")
	fs.StringVar(&h.pwEnv, "password-env", "", "with --ssh: environment variable holding the test users' password")
	fs.BoolVar(&h.allowFaults, "allow-faults", false, "with --ssh: let the scenarios' faults act on the hosts (someone's servers)")
	fs.StringVar(&h.front, "front", "", "with two or more --ssh hosts: the operator's balancer in front of them, 127.0.0.1:PORT")
}

// set reports whether any host flag was given.
func (h hostFlags) set() bool {
	return len(h.logins) > 0 || h.identity != "" || h.agent || h.knownHosts != "" || h.fingerprint != "" ||
		len(h.users) > 0 || h.pwEnv != "" || h.allowFaults || h.front != ""
}

// apply puts every spec on the hosts; dropped container settings are said
// on stderr. It is pure but for that line: no SSH, no Docker.
func (h hostFlags) apply(specs []scenarios.Spec, f *runFlags, stderr io.Writer) ([]scenarios.Spec, error) {
	if !h.set() {
		return specs, nil
	}
	var errs []error
	if len(h.logins) == 0 {
		errs = append(errs, errors.New("--identity, --known-hosts, --test-users, ... are for --ssh hosts: add --ssh USER@HOST:PORT"))
	}
	if f.config != "" {
		errs = append(errs, fmt.Errorf("--config %q: an ssh host runs its own config; drop --config or --ssh", f.config))
	}
	if len(f.versions) != 1 {
		errs = append(errs, fmt.Errorf("--version: %d given; with --ssh name the hosts' xrdp version once (e.g. --version 0.9.21.1): it picks the scenarios that apply and labels the runs, and the Record reads the real one from each host", len(f.versions)))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	hosts := scenarios.Hosts{Logins: h.logins, AllowFaults: h.allowFaults, Front: h.front, SSH: scenarios.SSHSpec{
		IdentityFile: h.identity, Agent: h.agent, KnownHosts: h.knownHosts, HostKeyFingerprint: h.fingerprint,
		Users: h.users, PasswordFile: f.password, PasswordEnv: h.pwEnv}}
	out := make([]scenarios.Spec, 0, len(specs))
	for _, s := range specs {
		on, dropped, err := s.OnHosts(hosts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(dropped) > 0 {
			fmt.Fprintf(stderr, "xrdp-harness run: %s on the --ssh hosts: its container settings (%s) do not apply (a host runs its own config)\n",
				s.Name, strings.Join(dropped, ", "))
		}
		out = append(out, on)
	}
	return out, errors.Join(errs...)
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [flags]",
		Short: "run the scenarios against the xrdp versions and write reports",
		Long: `Runs every scenario on every xrdp version it applies to, one run at a time,
judges each run and writes the reports after every run (an interrupted run
keeps its partial report). With several versions, the first is compared with
each other one: the FROM side of a comparison is expected to show the defect
(--no-compare judges every version on its own). The run ends with a headline
("upgrade proven: ..." or what failed) and one line of figures per run.

` + exitStatusHelp,
		Example: `  xrdp-harness run
  xrdp-harness run --scenario reconnect-storm --version 0.9.21.1 --version 0.9.24
  xrdp-harness run --scenario ./my-storm.yaml --version 0.9.22.1@/srv/xrdp-0.9.22.1.tar.gz --out out/
  xrdp-harness run --version 0.9.21.1,0.10.1 --compare 0.9.21.1:0.10.1 --format junit,html`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSuite(cmd.Context(), &f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	f.register(fs)
	fs.Var(&f.scenarios, "scenario", "scenario to run: a built-in name ("+strings.Join(scenarios.BuiltinNames(), ", ")+
		") or a .yaml file; repeatable; default: "+strings.Join(scenarios.DefaultOrder, ", "))
	fs.Var(&f.compare, "compare", "upgrade comparison FROM:TO by version label, repeatable; default: the first version to each other one")
	fs.BoolVar(&f.noCompare, "no-compare", false, "write no comparison")
	fs.StringVar(&f.out, "out", "out", "directory for the reports ("+reportFiles()+")")
	fs.Var(&f.formats, "format", "report formats, comma-separated: "+strings.Join(reports.Formats(), ", ")+" (default: all)")
	fs.StringVar(&f.tty, "progress", "auto", "progress display: auto, bars or lines")
	fs.StringVar(&f.config, "config", "", "the operator's xrdp config directory ("+xrdpconf.Accepted+
		"), laid down on every version of every scenario; the report lists what the harness layered on top and the lint findings")
	fs.Var(&f.nodes, "node", "node size a capacity figure is projected onto, CORESc MEMORYg (e.g. 8c32g); repeatable; default: this host and 16c64g")
	fs.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics during the run on this loopback HOST:PORT, e.g. 127.0.0.1:9464")
	fs.StringVar(&f.password, "password-file", "", "file whose first line is the test users' password on the containers the run boots; default: a random one per run (never in reports or logs); with --ssh: the hosts' test users' passwords (one line for all, or USER:PASSWORD lines)")
	f.hosts.register(fs)
	fs.IntVar(&f.parallel, "parallel", defaultParallel(), "runs at once on their own containers (storms, faults; capacity runs and runs on --ssh hosts always run alone, after the rest); default: 2 on a host of 2 or more cores, else 1")
	fs.StringVar(&f.target, "target", "", "the upgrade target among the versions (label): the default suite's fault and capacity runs go to it; default: the last version")
	return cmd
}

// maxParallel bounds --parallel: each run boots its own lab and its own
// simulated users; past a few they only measure each other.
const maxParallel = 8

// defaultParallel is two runs at once on a host of two or more cores, one
// on one core.
func defaultParallel() int { return min(2, runtime.NumCPU()) }

// reportFiles names the report files of every format.
func reportFiles() string {
	var names []string
	for _, fm := range reports.FormatTable() {
		names = append(names, "report"+fm.Ext)
	}
	return strings.Join(names, ", ")
}

// runSuite is the main job: every scenario on every version, reports
// written as each run finishes (an interrupted run keeps what it has).
func runSuite(ctx context.Context, f *runFlags, stdout, stderr io.Writer) error {
	cfg, rerr := f.resolve()
	// Every scenario × version × flag is checked before any Docker call
	// (the builder's engine connection, the sweep, the first build).
	checked, perr := scenarios.Preflight(scenarios.PreflightRequest{
		Scenarios: nilIfEmpty(f.scenarios), Versions: nilIfEmpty(f.versions),
		Patches: f.patches, ConfigureFlags: f.configure, CFLAGS: f.cflags, Autoreconf: f.autoreconf,
		ConfigDir: f.config,
	})
	cfg.specs = checked.Specs
	var herr error
	if perr == nil {
		cfg.specs, herr = f.hosts.apply(cfg.specs, f, stderr)
	}
	versions, compare, err := cfg.versions(checked.Versions)
	configs, lerr := scenarios.LintConfigs(checked.Specs, checked.Versions)
	var nodes []knee.Node
	var nerr []error
	for _, n := range f.nodes {
		node, err := knee.ParseNode(n)
		nerr = append(nerr, err)
		nodes = append(nodes, node)
	}
	if len(nodes) > 0 {
		nodes = append([]knee.Node{knee.HostNode()}, nodes...)
	}
	// With --ssh, --password-file is the hosts' (sshhost reads it: one
	// line for all test users, or USER:PASSWORD lines).
	var password string
	var pwerr error
	if !f.hosts.set() {
		password, pwerr = readPasswordFile(f.password)
	}
	if err = errors.Join(rerr, perr, herr, err, lerr, pwerr, errors.Join(nerr...)); err != nil {
		return badInput(fmt.Errorf("%w\n(run `xrdp-harness run --help` for the flags and version syntax)", err))
	}
	// Build steps go to the progress display, beside the runs.
	f.quiet = true
	b, err := f.builder(stderr)
	if err != nil {
		return err
	}
	defer b.Close()
	for i := range configs {
		// The drift needs each version's image; the runs need them anyway.
		var vs []scenarios.Version
		for _, v := range checked.Versions {
			if slices.Contains(configs[i].Versions, v.Label) {
				vs = append(vs, v)
			}
		}
		if configs[i].Drift, err = scenarios.ConfigDrift(ctx, b, configs[i].Dir, vs); err != nil {
			return exitCode{3, fmt.Errorf("version drift of %s: %w", configs[i].Dir, err)}
		}
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fmt.Errorf("create report dir: %w", err)
	}
	progress, err := newProgress(f.tty, stderr)
	if err != nil {
		return err
	}
	var metrics *reports.Metrics
	if f.metrics != "" {
		metrics = reports.NewMetrics()
		srv, err := serveMetrics(f.metrics, metrics, stderr)
		if err != nil {
			return err
		}
		defer srv.stop()
	}
	var placement map[string][]string
	if cfg.defaultSuite || f.target != "" {
		var labels []string
		for _, v := range versions {
			labels = append(labels, v.Label)
		}
		target := f.target
		if target == "" {
			target = labels[len(labels)-1]
		}
		if !slices.Contains(labels, target) {
			return badInput(fmt.Errorf("--target %q: not a version of this run (%s)", target, strings.Join(labels, ", ")))
		}
		placement = scenarios.DefaultPlacement(labels, target)
	}
	harnessVersion := buildVersion().String()
	write := func(s reports.Suite) error {
		s.Harness = harnessVersion
		s.Versions = nil
		for _, v := range versions {
			s.Versions = append(s.Versions, v.Label)
		}
		s.Configs = configs
		return writeReports(f.out, cfg.formats, s)
	}
	suite, runErr := scenarios.RunSuite(ctx, scenarios.SuiteOptions{
		Name:      "xrdp-harness run",
		Scenarios: cfg.specs,
		Versions:  versions,
		Builder:   b,
		Compare:   compare,
		Placement: placement,
		RunID:     fmt.Sprintf("run-%d", time.Now().Unix()),
		Nodes:     nodes,
		Password:  password,
		Parallel:  f.parallel,
		Progress: func(label string, expected int) (chan<- harness.Progress, func(*harness.Record, error)) {
			t := progress.Track(label, expected)
			if metrics != nil {
				return teeProgress(label, metrics, t.C(), t.Finish)
			}
			return t.C(), t.Finish
		},
		Build: func(label string) (func(image, step string), func(containers.Image, error)) {
			t := progress.Track("image "+label, 0)
			step := func(image, step string) {
				select {
				case t.C() <- harness.Progress{Kind: harness.KindPhase, Phase: strings.TrimPrefix(image+": "+step, ": ")}:
				default: // the display never holds a build up
				}
			}
			done := func(img containers.Image, err error) {
				if err == nil {
					step("", imageSummary(img))
				}
				t.Finish(nil, err)
			}
			return step, done
		},
		OnRun: func(s reports.Suite) {
			s.InProgress = true // until the suite is complete, the files say so
			if err := write(s); err != nil {
				fmt.Fprintf(stderr, "xrdp-harness run: write partial report: %v\n", err)
			}
		},
	})
	progress.Wait()
	if err := write(suite); err != nil {
		return errors.Join(runErr, err)
	}
	judged := reports.Judge(suite)
	summarize(stdout, suite, judged, f.out, cfg.formats)
	if runErr != nil {
		return runErr
	}
	return verdictExit(judged)
}

type runConfig struct {
	specs       []scenarios.Spec
	versionArgs []string
	compareArgs []string
	noCompare   bool
	formats     []string
	// defaultSuite is set when no scenario was named: DefaultSuite's
	// placement applies.
	defaultSuite bool
}

// resolve checks every flag and reports all problems at once.
func (f *runFlags) resolve() (runConfig, error) {
	var errs []error
	cfg := runConfig{versionArgs: f.versions, compareArgs: f.compare, noCompare: f.noCompare, formats: f.formats,
		defaultSuite: len(f.scenarios) == 0}
	if len(cfg.formats) == 0 {
		cfg.formats = reports.Formats()
	}
	for _, fm := range cfg.formats {
		if _, err := reports.WriterFor(fm); err != nil {
			errs = append(errs, err)
		}
	}
	switch f.tty {
	case "auto", "bars", "lines":
	default:
		errs = append(errs, fmt.Errorf("--progress %q: want auto, bars or lines", f.tty))
	}
	if f.metrics != "" {
		if err := checkMetricsAddr(f.metrics); err != nil {
			errs = append(errs, err)
		}
	}
	if f.out == "" {
		errs = append(errs, errors.New("--out is empty: name a directory for the reports"))
	}
	if f.parallel < 1 || f.parallel > maxParallel {
		errs = append(errs, fmt.Errorf("--parallel %d: want 1 (one run at a time) to %d", f.parallel, maxParallel))
	}
	return cfg, errors.Join(errs...)
}

// versions checks the comparison pairs against the run's versions.
func (c runConfig) versions(out []scenarios.Version) ([]scenarios.Version, [][2]string, error) {
	var errs []error
	labels := map[string]bool{}
	for _, v := range out {
		labels[v.Label] = true
	}
	var pairs [][2]string
	switch {
	case c.noCompare:
	case len(c.compareArgs) > 0:
		for _, p := range c.compareArgs {
			from, to, ok := strings.Cut(p, ":")
			if !ok || !labels[from] || !labels[to] || from == to {
				errs = append(errs, fmt.Errorf("--compare %q: want FROM:TO, two different version labels of this run (%s)", p, strings.Join(keys(labels, out), ", ")))
				continue
			}
			pairs = append(pairs, [2]string{from, to})
		}
	case len(out) > 1:
		for _, v := range out[1:] {
			pairs = append(pairs, [2]string{out[0].Label, v.Label})
		}
	}
	return out, pairs, errors.Join(errs...)
}

func nilIfEmpty(l listFlag) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

func keys(m map[string]bool, order []scenarios.Version) []string {
	var out []string
	for _, v := range order {
		if m[v.Label] {
			out = append(out, v.Label)
		}
	}
	return out
}

func newProgress(mode string, w io.Writer) (*reports.Progress, error) {
	var opts []reports.ProgressOption
	switch mode {
	case "bars":
		opts = append(opts, reports.WithTTY(true))
	case "lines":
		opts = append(opts, reports.WithTTY(false))
	}
	return reports.NewProgress(w, opts...)
}

// imageSummary says how an image was got: found, or built with its layers.
func imageSummary(img containers.Image) string {
	if !img.Built {
		return fmt.Sprintf("found %s (%d MiB)", img.Ref, img.Size>>20)
	}
	var built []string
	for _, l := range img.Layers {
		if l.Built {
			built = append(built, fmt.Sprintf("%s in %s", l.Ref, l.Took.Round(time.Second)))
		}
	}
	return fmt.Sprintf("built %s (%d MiB): %s", img.Ref, img.Size>>20, strings.Join(built, ", "))
}

// writeReports writes each format through a new temp file renamed into
// place (reports.WriteFile), so a reader never sees half a report and a
// planted symlink is never followed.
func writeReports(dir string, formats []string, s reports.Suite) error {
	var errs []error
	for _, fm := range formats {
		errs = append(errs, reports.WriteFile(dir, fm, s))
	}
	return errors.Join(errs...)
}

// summarize prints the headline, the end-of-run figures and where the
// reports are.
func summarize(w io.Writer, s reports.Suite, j reports.Judgement, dir string, formats []string) {
	_ = reports.WriteSummary(w, s, j)
	for _, c := range s.Comparisons {
		fmt.Fprintf(w, "  upgrade %s → %s:", c.From, c.To)
		for _, row := range c.Rows {
			fmt.Fprintf(w, " %s=%s", row.Scenario, row.Change)
		}
		fmt.Fprintln(w)
	}
	for _, n := range s.Notes {
		fmt.Fprintln(w, "  note: "+n)
	}
	for _, fm := range formats {
		fmt.Fprintf(w, "  %s report: %s\n", fm, filepath.Join(dir, "report"+reports.Ext(fm)))
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// verdictExit maps the suite's judgement to the exit status: 1 when a run
// is not as expected (invalid where valid was expected, or a FROM side
// whose defect did not show), else 3 when a run could not be judged.
func verdictExit(j reports.Judgement) error {
	switch j.Status {
	case reports.Fail:
		return exitCode{exitInvalid, errors.New(j.Headline)}
	case reports.Error:
		return exitCode{exitCouldNotRun, errors.New(j.Headline)}
	}
	return nil
}

// readPasswordFile reads the first line of the --password-file (none: "",
// a random password per run). The file should be readable by its owner
// only; one that others can read is refused, as ssh refuses such keys.
func readPasswordFile(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("--password-file %s: mode %04o lets others read it; chmod 600 %s", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSuffix(line, "\r")
	if err := containers.ValidPassword(line); err != nil {
		return "", fmt.Errorf("--password-file %s (first line): %w", path, err)
	}
	return line, nil
}
