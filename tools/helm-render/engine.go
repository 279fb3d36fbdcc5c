package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

// Helm's functions on top of sprig's. Helm drops env and expandenv (a chart must not read
// the machine it is rendered on), and so does this.
func funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toYaml":        toYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		"required": func(msg string, v interface{}) (interface{}, error) {
			if v == nil {
				return v, errors.New(wrapErr(msg))
			}
			if s, ok := v.(string); ok && s == "" {
				return v, errors.New(wrapErr(msg))
			}
			return v, nil
		},
		"fail": func(msg string) (string, error) { return "", errors.New(wrapErr(msg)) },
		// helm template has no cluster: lookup finds nothing, as it does there.
		"lookup": func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
		// Replaced per render with closures over the template set.
		"include": func(string, interface{}) string { return "not implemented" },
		"tpl":     func(string, interface{}) interface{} { return "not implemented" },
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// Helm marks the messages of required/fail so that it can print them without text/template's
// "executing ... at <...>: error calling required:" noise.
const errStart, errEnd = "HELM_ERR_START", "HELM_ERR_END"

func wrapErr(msg string) string { return errStart + msg + errEnd }

// toYaml as Helm does it (sigs.k8s.io/yaml): through JSON, so keys are sorted, json struct
// tags apply and numbers print as JSON numbers; then yaml.v2; no trailing newline.
func toYAML(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var obj interface{}
	if err := yaml.Unmarshal(j, &obj); err != nil {
		return ""
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func toJSON(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(j)
}

// fromYaml/fromJson never fail a render: a parse error lands under the "Error" key.
func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yamlToGo([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	var a []interface{}
	if err := yamlToGo([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	var a []interface{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

type release struct {
	Name, Namespace, Service string
	Revision                 int
	IsUpgrade, IsInstall     bool
}

type kubeVersion struct{ Version, Major, Minor string }

func (k kubeVersion) String() string     { return k.Version }
func (k kubeVersion) GitVersion() string { return k.Version }

type versionSet []string

func (v versionSet) Has(api string) bool {
	for _, x := range v {
		if x == api {
			return true
		}
	}
	return false
}

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions versionSet
	HelmVersion map[string]string
}

// What `helm template` assumes without a cluster (a fixed Kubernetes version and the
// built-in API groups).
var defaultCaps = capabilities{
	KubeVersion: kubeVersion{"v1.30.0", "1", "30"},
	APIVersions: versionSet{"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1",
		"rbac.authorization.k8s.io/v1", "autoscaling/v2", "storage.k8s.io/v1", "coordination.k8s.io/v1"},
	HelmVersion: map[string]string{"Version": "v3", "GoVersion": "go1.19"},
}

// scopedValues is each chart's .Values: the top chart's coalesced values, and for a subchart
// the part under its name (with the parent's globals), as Helm's coalesceDeps does.
func scopeValues(c *Chart, user map[string]interface{}) map[string]interface{} {
	vals := coalesce(user, c.Values)
	globals, _ := vals["global"].(map[string]interface{})
	for _, dep := range c.Dependencies {
		sub, _ := vals[dep.Name()].(map[string]interface{})
		if sub == nil {
			sub = map[string]interface{}{}
		}
		subGlobals, _ := sub["global"].(map[string]interface{})
		sub["global"] = mergeMaps(subGlobals, globals)
		vals[dep.Name()] = scopeValues(dep, sub)
	}
	return vals
}

type tmpl struct {
	name    string // "chart/templates/x.yaml"
	data    string
	chart   *Chart
	values  map[string]interface{}
	library bool
}

func collect(c *Chart, vals map[string]interface{}, out *[]tmpl) {
	for _, t := range c.Templates {
		*out = append(*out, tmpl{c.ChartFullPath() + "/" + t.Name, string(t.Data), c, vals, c.IsLibrary()})
	}
	for _, dep := range c.Dependencies {
		sub, _ := vals[dep.Name()].(map[string]interface{})
		collect(dep, sub, out)
	}
}

var execErrLoc = regexp.MustCompile(`^template: ([^:]+:\d+:\d+): `)

// Errors read as Helm prints them: "execution error at (chart/templates/x.yaml:3:4): msg"
// for required/fail, text/template's own message otherwise.
func cleanErr(err error) error {
	msg := err.Error()
	i, j := strings.Index(msg, errStart), strings.Index(msg, errEnd)
	if i < 0 || j < i {
		return err
	}
	loc := "unknown"
	if m := execErrLoc.FindStringSubmatch(msg); m != nil {
		loc = m[1]
	}
	return fmt.Errorf("execution error at (%s): %s", loc, msg[i+len(errStart):j])
}

// render executes every template of the chart and its subcharts (partials and library
// charts only define things) and returns the output by template name.
func render(root *Chart, userVals map[string]interface{}, rel release) (map[string]string, error) {
	vals := scopeValues(root, userVals)
	if problems := validateSchema(root, vals); problems != "" {
		return nil, fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s", problems)
	}
	var all []tmpl
	collect(root, vals, &all)
	// Helm's order, for parsing and for executing: deeper paths first, so that a parent
	// chart's define (parsed last) wins over a subchart's; within a depth, names in reverse.
	// The first failing template is the one whose error is reported.
	sort.SliceStable(all, func(i, j int) bool {
		di, dj := strings.Count(all[i].name, "/"), strings.Count(all[j].name, "/")
		if di != dj {
			return di > dj
		}
		return all[i].name > all[j].name
	})

	t := template.New("gotpl").Option("missingkey=zero")
	included := map[string]int{}
	fm := funcMap()
	fm["include"] = func(name string, data interface{}) (string, error) {
		if included[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		included[name]++
		defer func() { included[name]-- }()
		var b strings.Builder
		err := t.ExecuteTemplate(&b, name, data)
		return b.String(), err
	}
	fm["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		// Helm names the inline template after the calling one's base path.
		name := "tpl"
		if m, ok := data.(map[string]interface{}); ok {
			if tm, ok := m["Template"].(map[string]interface{}); ok {
				if n, ok := tm["Name"].(string); ok {
					name = n
				}
			}
		}
		if _, err := clone.New(name).Parse(text); err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var b strings.Builder
		if err := clone.ExecuteTemplate(&b, name, data); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(b.String(), "<no value>", ""), nil
	}
	t.Funcs(fm)
	for _, x := range all {
		if _, err := t.New(x.name).Parse(x.data); err != nil {
			return nil, cleanErr(err)
		}
	}
	out := map[string]string{}
	for _, x := range all {
		if x.library || strings.HasPrefix(path.Base(x.name), "_") {
			continue
		}
		top := map[string]interface{}{
			"Values":       x.values,
			"Chart":        x.chart.Metadata,
			"Release":      rel,
			"Capabilities": defaultCaps,
			"Files":        x.chart.Files,
			"Template":     map[string]interface{}{"Name": x.name, "BasePath": x.chart.ChartFullPath() + "/templates"},
			"Subcharts":    map[string]interface{}{},
		}
		var b strings.Builder
		if err := t.ExecuteTemplate(&b, x.name, top); err != nil {
			return nil, cleanErr(err)
		}
		out[x.name] = strings.ReplaceAll(b.String(), "<no value>", "")
	}
	return out, nil
}
