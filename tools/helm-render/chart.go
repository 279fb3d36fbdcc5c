package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Chart is a chart directory as Helm loads it: metadata, default values, schema, templates,
// the other files (.Files) and the subcharts found in charts/.
type Chart struct {
	Metadata     map[string]interface{}
	Values       map[string]interface{}
	Schema       []byte
	Templates    []file
	Files        files
	Dependencies []*Chart
	parent       *Chart
}

type file struct {
	Name string // relative to the chart's root, slash-separated
	Data []byte
}

func (c *Chart) Name() string { s, _ := c.Metadata["Name"].(string); return s }

func (c *Chart) IsLibrary() bool { return c.Metadata["Type"] == "library" }

// ChartFullPath is the prefix Helm gives the chart's templates: "parent/charts/sub".
func (c *Chart) ChartFullPath() string {
	if c.parent == nil {
		return c.Name()
	}
	return c.parent.ChartFullPath() + "/charts/" + c.Name()
}

// Chart.yaml keys become the fields of Helm's chart.Metadata, which is what .Chart exposes
// (.Chart.Name, .Chart.AppVersion, ...). Every field exists, empty when not set.
var metadataFields = map[string]string{
	"name": "Name", "home": "Home", "sources": "Sources", "version": "Version",
	"description": "Description", "keywords": "Keywords", "maintainers": "Maintainers",
	"icon": "Icon", "apiVersion": "APIVersion", "condition": "Condition", "tags": "Tags",
	"appVersion": "AppVersion", "deprecated": "Deprecated", "annotations": "Annotations",
	"kubeVersion": "KubeVersion", "dependencies": "Dependencies", "type": "Type",
}

func loadChart(dir string, parent *Chart) (*Chart, error) {
	c := &Chart{parent: parent, Metadata: map[string]interface{}{}, Values: map[string]interface{}{}}
	for _, field := range metadataFields {
		c.Metadata[field] = ""
	}
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a chart: %w", dir, err)
	}
	meta := map[string]interface{}{}
	if err := yamlToGo(raw, &meta); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %w", err)
	}
	for k, v := range meta {
		field, ok := metadataFields[k]
		if !ok {
			return nil, fmt.Errorf("cannot load Chart.yaml: unknown field %q", k)
		}
		c.Metadata[field] = v
	}
	if c.Name() == "" {
		return nil, fmt.Errorf("validation: chart.metadata.name is required (%s)", dir)
	}
	if p := filepath.Join(dir, "values.yaml"); exists(p) {
		if c.Values, err = readValuesFile(p); err != nil {
			return nil, err
		}
	}
	if p := filepath.Join(dir, "values.schema.json"); exists(p) {
		if c.Schema, err = os.ReadFile(p); err != nil {
			return nil, err
		}
	}
	ignore := loadHelmignore(dir)
	// filepath.Walk does not follow symlinks; Helm's loader does (a vendored subchart or a
	// shared template may be a link), so walk by hand.
	var walk func(abs, rel string) error
	walk = func(abs, rel string) error {
		entries, err := os.ReadDir(abs)
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			r := path.Join(rel, name)
			a := filepath.Join(abs, name)
			st, err := os.Stat(a) // follows links
			if err != nil {
				return err
			}
			if ignore(r, st.IsDir()) {
				continue
			}
			if st.IsDir() {
				if rel == "charts" {
					sub, err := loadChart(a, c)
					if err != nil {
						return err
					}
					c.Dependencies = append(c.Dependencies, sub)
					continue
				}
				if err := walk(a, r); err != nil {
					return err
				}
				continue
			}
			data, err := os.ReadFile(a)
			if err != nil {
				return err
			}
			switch {
			case rel == "" && (name == "Chart.yaml" || name == "values.yaml" || name == "values.schema.json"):
			case strings.HasPrefix(r, "templates/"):
				c.Templates = append(c.Templates, file{r, data})
			case strings.HasPrefix(r, "charts/"):
				return fmt.Errorf("%s: packaged subcharts are not supported by this renderer; unpack it", r)
			default:
				c.Files = append(c.Files, file{r, data})
			}
		}
		return nil
	}
	if err := walk(dir, ""); err != nil {
		return nil, err
	}
	sort.Slice(c.Dependencies, func(i, j int) bool { return c.Dependencies[i].Name() < c.Dependencies[j].Name() })
	if err := checkDependencies(c); err != nil {
		return nil, err
	}
	return c, nil
}

// Helm refuses a chart whose Chart.yaml lists a dependency that charts/ lacks.
func checkDependencies(c *Chart) error {
	deps, _ := c.Metadata["Dependencies"].([]interface{})
	for _, d := range deps {
		m, _ := d.(map[string]interface{})
		name, _ := m["name"].(string)
		if alias, _ := m["alias"].(string); alias != "" {
			return fmt.Errorf("dependency %s: aliases are not supported by this renderer", name)
		}
		found := false
		for _, sub := range c.Dependencies {
			found = found || sub.Name() == name
		}
		if !found {
			return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s", name)
		}
	}
	return nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// A small .helmignore: blank lines and # comments skipped; patterns match the base name or
// the relative path (path.Match), a trailing "/" matches directories only. Helm's own
// matcher also supports "!" negation and "**", which this chart does not use.
func loadHelmignore(dir string) func(rel string, isDir bool) bool {
	data, err := os.ReadFile(filepath.Join(dir, ".helmignore"))
	var pats []string
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !strings.HasPrefix(line, "#") {
				pats = append(pats, line)
			}
		}
	}
	return func(rel string, isDir bool) bool {
		if rel == ".helmignore" {
			return true
		}
		for _, p := range pats {
			dirOnly := strings.HasSuffix(p, "/")
			p = strings.TrimSuffix(p, "/")
			if dirOnly && !isDir {
				continue
			}
			if ok, _ := path.Match(p, path.Base(rel)); ok {
				return true
			}
			if ok, _ := path.Match(p, rel); ok {
				return true
			}
		}
		return false
	}
}

// files is .Files: the chart's files outside templates/ and charts/.
type files []file

func (f files) GetBytes(name string) []byte {
	for _, x := range f {
		if x.Name == name {
			return x.Data
		}
	}
	return []byte{}
}

func (f files) Get(name string) string { return string(f.GetBytes(name)) }

func (f files) Glob(pattern string) files {
	var out files
	for _, x := range f {
		if ok, _ := path.Match(pattern, x.Name); ok {
			out = append(out, x)
		}
	}
	return out
}

func (f files) Lines(name string) []string {
	s := f.Get(name)
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}
