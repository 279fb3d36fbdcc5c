// helm-render renders a Helm chart the way `helm template` does, for machines without helm:
// Go's text/template, sprig v3 (without env/expandenv), Helm's own functions, values merged
// as Helm merges them and values.schema.json checked with gojsonschema, the libraries Helm 3
// is built from. Where it differs from Helm is listed in tools/helm-render/README.md.
//
//	helm-render template NAME CHART [-f values.yaml]... [--set k=v]... [--set-string k=v]...
//	    [--set-file k=path]... [-n namespace] [--skip-tests] [-s templates/x.yaml]...
package main

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	yaml "gopkg.in/yaml.v2"
)

func main() {
	out, err := run(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", err)
		os.Exit(1)
	}
	fmt.Print(out)
}

type options struct {
	name, chart, namespace string
	valueFiles             []string
	sets                   []setArg
	skipTests              bool
	showOnly               []string
}

type setArg struct{ kind, value string }

func parseArgs(args []string) (options, error) {
	o := options{namespace: "default"}
	if len(args) == 0 || args[0] != "template" {
		return o, fmt.Errorf("usage: helm-render template NAME CHART [flags] (only `template` is implemented)")
	}
	var positional []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		flag, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			if eq := strings.IndexByte(a, '='); eq > 0 {
				flag, val, hasVal = a[:eq], a[eq+1:], true
			}
		}
		next := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag needs an argument: %s", flag)
			}
			i++
			return args[i], nil
		}
		var err error
		var v string
		switch flag {
		case "-f", "--values":
			v, err = next()
			o.valueFiles = append(o.valueFiles, v)
		case "--set", "--set-string", "--set-file":
			v, err = next()
			o.sets = append(o.sets, setArg{flag, v})
		case "-n", "--namespace":
			o.namespace, err = next()
		case "-s", "--show-only":
			v, err = next()
			o.showOnly = append(o.showOnly, v)
		case "--skip-tests":
			o.skipTests = true
		default:
			if strings.HasPrefix(a, "-") {
				return o, fmt.Errorf("unknown flag: %s (this renderer implements -f, --set, --set-string, --set-file, -n, -s, --skip-tests)", a)
			}
			positional = append(positional, a)
		}
		if err != nil {
			return o, err
		}
	}
	if len(positional) != 2 {
		return o, fmt.Errorf("\"helm-render template\" requires 2 arguments: NAME CHART")
	}
	o.name, o.chart = positional[0], positional[1]
	return o, nil
}

// userValues merges -f files in order, then --set flags in order, as Helm's MergeValues does.
func userValues(o options) (map[string]interface{}, error) {
	vals := map[string]interface{}{}
	for _, f := range o.valueFiles {
		v, err := readValuesFile(f)
		if err != nil {
			return nil, err
		}
		vals = mergeMaps(vals, v)
	}
	for _, s := range o.sets {
		switch s.kind {
		case "--set":
			if err := parseSet(s.value, vals, false); err != nil {
				return nil, err
			}
		case "--set-string":
			if err := parseSet(s.value, vals, true); err != nil {
				return nil, err
			}
		case "--set-file":
			eq := strings.IndexByte(s.value, '=')
			if eq < 0 {
				return nil, fmt.Errorf("--set-file %s: expected key=path", s.value)
			}
			data, err := os.ReadFile(s.value[eq+1:])
			if err != nil {
				return nil, err
			}
			tmp := map[string]interface{}{}
			if err := parseSet(s.value[:eq]+"=x", tmp, true); err != nil {
				return nil, err
			}
			setLeaf(tmp, string(data))
			vals = mergeMaps(vals, tmp)
		}
	}
	return vals, nil
}

func setLeaf(m map[string]interface{}, v string) {
	for k, x := range m {
		if sub, ok := x.(map[string]interface{}); ok {
			setLeaf(sub, v)
		} else {
			m[k] = v
		}
	}
}

// The order in which Helm installs (and `helm template` prints) kinds.
var installOrder = []string{"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
	"DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService"}

func kindRank(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder)
}

var docSep = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

type manifest struct {
	source, content, kind, name string
	hook, testHook              bool
}

// head is the part of a manifest Helm reads to sort it; reading it is also where Helm fails
// on a manifest that is not YAML ("YAML parse error on ...").
type head struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name        string            `yaml:"name"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
}

func run(args []string) (string, error) {
	o, err := parseArgs(args)
	if err != nil {
		return "", err
	}
	c, err := loadChart(o.chart, nil)
	if err != nil {
		return "", err
	}
	user, err := userValues(o)
	if err != nil {
		return "", err
	}
	rendered, err := render(c, user, release{Name: o.name, Namespace: o.namespace, Service: "Helm", Revision: 1, IsInstall: true})
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(rendered))
	for n := range rendered {
		names = append(names, n)
	}
	sort.Strings(names)
	var ms []manifest
	for _, n := range names {
		if strings.HasSuffix(n, "NOTES.txt") {
			continue // rendered (its errors count), not printed, as with helm template
		}
		// Helm trims the whole output and each document before it reads them.
		for _, doc := range docSep.Split(strings.TrimSpace(rendered[n]), -1) {
			doc = strings.TrimSpace(doc)
			if doc == "" {
				continue
			}
			var h head
			if err := yaml.Unmarshal([]byte(doc), &h); err != nil {
				return "", fmt.Errorf("YAML parse error on %s: %s", n, err)
			}
			hook := h.Metadata.Annotations["helm.sh/hook"]
			ms = append(ms, manifest{source: n, content: doc, kind: h.Kind, name: h.Metadata.Name,
				hook: hook != "", testHook: strings.Contains(hook, "test")})
		}
	}
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].hook != ms[j].hook {
			return !ms[i].hook
		}
		if ri, rj := kindRank(ms[i].kind), kindRank(ms[j].kind); ri != rj {
			return ri < rj
		}
		return ms[i].name < ms[j].name
	})
	var b strings.Builder
	shown := 0
	for _, m := range ms {
		if o.skipTests && m.testHook {
			continue
		}
		if len(o.showOnly) > 0 && !matchesShowOnly(m.source, c.Name(), o.showOnly) {
			continue
		}
		shown++
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.source, m.content)
	}
	if len(o.showOnly) > 0 && shown == 0 {
		return "", fmt.Errorf("could not find template %s in chart", strings.Join(o.showOnly, ", "))
	}
	return b.String(), nil
}

func matchesShowOnly(source, chart string, want []string) bool {
	for _, w := range want {
		if source == w || source == chart+"/"+w {
			return true
		}
	}
	return false
}
