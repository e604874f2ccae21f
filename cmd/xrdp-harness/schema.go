package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/invopop/jsonschema"
	"github.com/spf13/cobra"

	"github.com/xrdp-harness/xrdp-harness/harness/lint"
	"github.com/xrdp-harness/xrdp-harness/reports"
	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

// schemaBase is where the generated schemas live in the repository
// (docs/schema), as their $id says.
const schemaBase = "https://github.com/xrdp-harness/xrdp-harness/raw/main/docs/schema/"

// schemas are the JSON Schemas generated from the Go types, by file name.
func schemas() map[string]func() ([]byte, error) {
	return map[string]func() ([]byte, error){
		"report.schema.json":   reportSchema,
		"scenario.schema.json": scenarioSchema,
	}
}

// reportSchema describes report.json: reports.Suite as the JSON writer
// encodes it.
func reportSchema() ([]byte, error) {
	r := &jsonschema.Reflector{
		RequiredFromJSONSchemaTags: true, // older reports may lack newer fields
		Mapper:                     mapTypes,
	}
	s := r.Reflect(&reports.Suite{})
	s.ID = schemaBase + "report.schema.json"
	s.Title = "xrdp-harness report.json"
	s.Description = fmt.Sprintf("A suite of judged runs with their Records, schema version %d (the \"schema\" field).", reports.SchemaVersion)
	return encodeSchema(s, true)
}

// scenarioSchema describes a scenario file: scenarios.Spec as the YAML
// decoder reads it (strictly: no unknown field).
func scenarioSchema() ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		Mapper:                     mapTypes,
	}
	s := r.Reflect(&scenarios.Spec{})
	s.ID = schemaBase + "scenario.schema.json"
	s.Title = "xrdp-harness scenario"
	s.Description = "A scenario file (YAML). Point an editor at this schema with a first line " +
		"`# yaml-language-server: $schema=" + schemaBase + "scenario.schema.json`."
	// Names come from the catalogs, so the schema cannot drift from them.
	enum := func(def, prop string, names []string) {
		d, ok := s.Definitions[def]
		if !ok {
			return
		}
		p, ok := d.Properties.Get(prop)
		if !ok {
			return
		}
		if p.Items != nil {
			p = p.Items
		}
		for _, n := range names {
			p.Enum = append(p.Enum, n)
		}
	}
	enum("FaultSpec", "kind", scenarios.FaultKinds())
	enum("LoadSpec", "kind", scenarios.LoadKinds())
	enum("CheckSpec", "skip", scenarios.CheckerNames())
	return encodeSchema(s, false)
}

// mapTypes gives the types that encode as text their text form.
func mapTypes(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[scenarios.Duration]():
		return &jsonschema.Schema{Type: "string", Pattern: `^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$|^0$`,
			Description: "a duration with its unit: 250ms, 1.5s, 2m"}
	case reflect.TypeFor[time.Duration]():
		return &jsonschema.Schema{Type: "integer", Description: "a duration in nanoseconds"}
	case reflect.TypeFor[lint.Severity]():
		return &jsonschema.Schema{Type: "string", Enum: []any{lint.Info.String(), lint.Warning.String(), lint.Error.String()}}
	}
	return nil
}

// encodeSchema writes s indented; nullable lets arrays and maps be null, as
// encoding/json writes a nil slice or map.
func encodeSchema(s *jsonschema.Schema, nullable bool) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	if nullable {
		allowNull(doc)
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return append(out, '\n'), nil
}

func allowNull(v any) {
	switch x := v.(type) {
	case map[string]any:
		if t, ok := x["type"].(string); ok && (t == "array" || t == "object") {
			if _, isStruct := x["properties"]; !isStruct {
				x["type"] = []any{t, "null"}
			}
		}
		for _, c := range x {
			allowNull(c)
		}
	case []any:
		for _, c := range x {
			allowNull(c)
		}
	}
}

func newSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema report|scenario",
		Short: "print the JSON Schema of report.json or of a scenario file",
		Long: `Prints the JSON Schema generated from the harness's Go types: "report" for
report.json, "scenario" for scenario files. docs/schema holds both as this
version generated them.

Exit status: 0, or 2 for bad input.`,
		Example: `  xrdp-harness schema scenario > scenario.schema.json
  xrdp-harness schema report`,
		ValidArgs: []string{"report", "scenario"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || (args[0] != "report" && args[0] != "scenario") {
				return usageError(cmd, fmt.Errorf("want one argument, report or scenario"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := schemas()[args[0]+".schema.json"]()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
}
