package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/xeipuuv/gojsonschema"
	yaml "gopkg.in/yaml.v2"
)

// Helm reads YAML through sigs.k8s.io/yaml, which goes YAML -> JSON -> Go: maps have string
// keys and every number is a float64. Going through encoding/json here gives the same types,
// which matters for what templates print (`{{ 1.0 }}` and `{{ 1 }}` differ) and for `int`.
func yamlToGo(data []byte, out interface{}) error {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return err
	}
	j, err := json.Marshal(stringKeys(raw))
	if err != nil {
		return err
	}
	return json.Unmarshal(j, out)
}

// yaml.v2 decodes maps with interface{} keys, which encoding/json refuses.
func stringKeys(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			m[fmt.Sprint(k)] = stringKeys(val)
		}
		return m
	case []interface{}:
		for i := range t {
			t[i] = stringKeys(t[i])
		}
		return t
	default:
		return v
	}
}

func readValuesFile(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	vals := map[string]interface{}{}
	if err := yamlToGo(data, &vals); err != nil {
		return nil, fmt.Errorf("failed to parse %s: %w", path, err)
	}
	if vals == nil {
		vals = map[string]interface{}{}
	}
	return vals, nil
}

func isMap(v interface{}) bool { _, ok := v.(map[string]interface{}); return ok }

// mergeMaps is how Helm combines several -f files and --set: later maps win, maps merge.
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bv, ok := v.(map[string]interface{}); ok {
			if av, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(av, bv)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce puts the chart's defaults under the user's values: the user's value wins, maps
// merge key by key, and a user's null removes the default (Helm's way to unset a key).
func coalesce(user, defaults map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(user))
	for k, v := range user {
		out[k] = v
	}
	for k, dv := range defaults {
		uv, present := out[k]
		switch {
		case !present:
			out[k] = deepCopy(dv)
		case uv == nil:
			delete(out, k)
		case isMap(uv) && isMap(dv):
			out[k] = coalesce(uv.(map[string]interface{}), dv.(map[string]interface{}))
		}
	}
	// A null the user set for a key without a default disappears too.
	for k, v := range out {
		if v == nil {
			if _, had := defaults[k]; !had {
				delete(out, k)
			}
		}
	}
	return out
}

func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			m[k] = deepCopy(val)
		}
		return m
	case []interface{}:
		l := make([]interface{}, len(t))
		for i, val := range t {
			l[i] = deepCopy(val)
		}
		return l
	default:
		return v
	}
}

// parseSet applies one --set (or --set-string) argument: comma-separated key=value pairs,
// dotted keys, `\,` and `\.` escapes. Values are typed as Helm's strvals does: true/false,
// null, integers (int64); anything else is a string. List indexes (a[0]=x) are not supported.
func parseSet(arg string, into map[string]interface{}, asString bool) error {
	for _, pair := range splitUnescaped(arg, ',') {
		eq := indexUnescaped(pair, '=')
		if eq < 0 {
			return fmt.Errorf("failed parsing --set data: key %q has no value", pair)
		}
		key, raw := pair[:eq], unescape(pair[eq+1:])
		if strings.ContainsAny(key, "[]") {
			return fmt.Errorf("--set %s: list indexes are not supported by this renderer (see tools/helm-render/README.md)", key)
		}
		parts := splitUnescaped(key, '.')
		m := into
		for i, p := range parts {
			p = unescape(p)
			if i == len(parts)-1 {
				m[p] = typed(raw, asString)
				break
			}
			next, ok := m[p].(map[string]interface{})
			if !ok {
				next = map[string]interface{}{}
				m[p] = next
			}
			m = next
		}
	}
	return nil
}

func typed(s string, asString bool) interface{} {
	if asString {
		return s
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	// strvals keeps "0"-prefixed numbers (other than "0") as strings.
	if s != "" && (s == "0" || !strings.HasPrefix(s, "0")) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return s
}

func splitUnescaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == sep {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func indexUnescaped(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == c {
			return i
		}
	}
	return -1
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == ',' || s[i+1] == '.' || s[i+1] == '=' || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// validateSchema checks a chart's values (after coalescing) against its values.schema.json,
// and each dependency's values against its own schema, with the library Helm uses. The
// message follows Helm's: one "- path: reason" line per problem, under the chart's name.
func validateSchema(c *Chart, vals map[string]interface{}) string {
	var sb strings.Builder
	if c.Schema != nil {
		j, err := json.Marshal(vals)
		if err != nil {
			return fmt.Sprintf("%s:\n- %s\n", c.Name(), err)
		}
		res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(c.Schema), gojsonschema.NewBytesLoader(j))
		if err != nil {
			sb.WriteString(fmt.Sprintf("%s:\n- %s\n", c.Name(), err))
		} else if !res.Valid() {
			sb.WriteString(c.Name() + ":\n")
			var lines []string
			for _, e := range res.Errors() {
				lines = append(lines, fmt.Sprintf("- %s\n", e))
			}
			sb.WriteString(strings.Join(lines, ""))
		}
	}
	for _, dep := range c.Dependencies {
		sub, _ := vals[dep.Name()].(map[string]interface{})
		sb.WriteString(validateSchema(dep, sub))
	}
	return sb.String()
}
