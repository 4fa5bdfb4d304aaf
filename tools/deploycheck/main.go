// Command deploycheck validates regent's Kubernetes manifests offline, without a cluster and
// without schemas fetched from the network: every YAML file under the root is strict-decoded
// into the real Kubernetes Go types (k8s.io/api, the prometheus-operator API, kustomize's own
// Kustomization type), so an unknown or misspelt field, a wrong type or a duplicate key is an
// error; every kustomization (not component) is rendered with kustomize's own library, the
// output strict-decoded again, and checked against what regent needs to run safely (probes on
// the health endpoints, a preStop drain, a non-root read-only container, selectors and ports
// that point at something).
//
// Usage: deploycheck [-root deploy/kubernetes] | deploycheck -render deploy/kubernetes/overlays/ha
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/api/krusty"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// object is one decoded manifest: its kind and a pointer to the typed value.
type object struct {
	kind, name string
	value      any
}

// newTyped returns an empty value of the Go type for apiVersion/kind, or nil for an unknown kind.
func newTyped(apiVersion, kind string) any {
	switch apiVersion + "/" + kind {
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}
	case "v1/Secret":
		return &corev1.Secret{}
	case "v1/Service":
		return &corev1.Service{}
	case "v1/PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "networking.k8s.io/v1/NetworkPolicy":
		return &networkingv1.NetworkPolicy{}
	case "monitoring.coreos.com/v1/ServiceMonitor":
		return &monitoringv1.ServiceMonitor{}
	case "kustomize.config.k8s.io/v1beta1/Kustomization", "kustomize.config.k8s.io/v1alpha1/Component":
		return &kusttypes.Kustomization{}
	}
	return nil
}

// decodeAll strict-decodes every YAML document in data.
func decodeAll(where string, data []byte) ([]object, error) {
	var out []object
	for i, doc := range splitDocs(data) {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", where, i+1, err)
		}
		typed := newTyped(head.APIVersion, head.Kind)
		if typed == nil {
			return nil, fmt.Errorf("%s: document %d: unknown apiVersion/kind %q/%q", where, i+1, head.APIVersion, head.Kind)
		}
		if err := yaml.UnmarshalStrict(doc, typed); err != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", where, head.Kind, head.Metadata.Name, err)
		}
		out = append(out, object{kind: head.Kind, name: head.Metadata.Name, value: typed})
	}
	return out, nil
}

// splitDocs splits a YAML stream on document markers, dropping empty documents.
func splitDocs(data []byte) [][]byte {
	var docs [][]byte
	for _, part := range bytes.Split(append([]byte("\n"), data...), []byte("\n---")) {
		if len(bytes.TrimSpace(stripComments(part))) > 0 {
			docs = append(docs, part)
		}
	}
	return docs
}

func stripComments(b []byte) []byte {
	var keep [][]byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			keep = append(keep, line)
		}
	}
	return bytes.Join(keep, []byte("\n"))
}

// render builds one kustomization with kustomize's library and strict-decodes the result.
func render(dir string) ([]object, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("%s: kustomize build: %w", dir, err)
	}
	out, err := resources.AsYaml()
	if err != nil {
		return nil, err
	}
	return decodeAll(dir+" (rendered)", out)
}

func main() {
	root := flag.String("root", "deploy/kubernetes", "folder of manifests and kustomizations")
	show := flag.String("render", "", "print this kustomization's rendered YAML (like kustomize build) and exit")
	flag.Parse()
	if *show != "" {
		resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), *show)
		if err == nil {
			var out []byte
			if out, err = resources.AsYaml(); err == nil {
				_, err = os.Stdout.Write(out)
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "deploycheck:", err)
			os.Exit(1)
		}
		return
	}
	var problems []string
	var builds []string
	err := filepath.WalkDir(*root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		objs, err := decodeAll(p, data)
		if err != nil {
			problems = append(problems, err.Error())
			return nil
		}
		if filepath.Base(p) == "kustomization.yaml" && len(objs) == 1 && objs[0].kind == "Kustomization" {
			builds = append(builds, filepath.Dir(p))
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sort.Strings(builds)
	if len(builds) == 0 {
		problems = append(problems, *root+": no kustomization to render")
	}
	for _, dir := range builds {
		objs, err := render(dir)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		found := check(objs)
		for _, f := range found {
			problems = append(problems, dir+": "+f)
		}
		if len(found) == 0 {
			fmt.Printf("ok: %s renders %d objects, all strict-decoded and consistent\n", dir, len(objs))
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "deploycheck: "+p)
		}
		os.Exit(1)
	}
}

// check applies regent's deployment rules to one rendered set of objects.
func check(objs []object) []string {
	var out []string
	bad := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	names := map[string]bool{}
	var deployments []*appsv1.Deployment
	var services []*corev1.Service
	for _, o := range objs {
		key := o.kind + "/" + o.name
		if names[key] {
			bad("%s is defined twice", key)
		}
		names[key] = true
		for _, msg := range validation.IsDNS1123Subdomain(o.name) {
			bad("%s: name: %s", key, msg)
		}
		switch v := o.value.(type) {
		case *appsv1.Deployment:
			deployments = append(deployments, v)
		case *corev1.Service:
			services = append(services, v)
		}
	}
	if len(deployments) == 0 {
		bad("no Deployment")
	}
	for _, d := range deployments {
		out = append(out, checkDeployment(d, names)...)
	}
	for _, o := range objs {
		switch v := o.value.(type) {
		case *corev1.Service:
			d := selecting(deployments, v.Spec.Selector)
			if d == nil {
				bad("Service/%s selects no Deployment's pods", v.Name)
				continue
			}
			for _, p := range v.Spec.Ports {
				if !hasContainerPort(d, p.TargetPort) {
					bad("Service/%s port %s: targetPort %s is no container port", v.Name, p.Name, p.TargetPort.String())
				}
			}
		case *policyv1.PodDisruptionBudget:
			if v.Spec.Selector == nil {
				bad("PodDisruptionBudget/%s has no selector", v.Name)
				continue
			}
			d := selecting(deployments, v.Spec.Selector.MatchLabels)
			if d == nil {
				bad("PodDisruptionBudget/%s selects no Deployment's pods", v.Name)
				continue
			}
			replicas := int32(1)
			if d.Spec.Replicas != nil {
				replicas = *d.Spec.Replicas
			}
			if m := v.Spec.MinAvailable; m != nil && m.Type == intstr.Int && m.IntVal >= replicas {
				bad("PodDisruptionBudget/%s: minAvailable %d of %d replicas blocks every node drain", v.Name, m.IntVal, replicas)
			}
			if m := v.Spec.MaxUnavailable; m != nil && m.Type == intstr.Int && m.IntVal >= replicas {
				bad("PodDisruptionBudget/%s: maxUnavailable %d of %d replicas protects nothing", v.Name, m.IntVal, replicas)
			}
		case *monitoringv1.ServiceMonitor:
			var svc *corev1.Service
			for _, s := range services {
				if labelsMatch(v.Spec.Selector.MatchLabels, s.Labels) {
					svc = s
				}
			}
			if svc == nil {
				bad("ServiceMonitor/%s selects no Service", v.Name)
				continue
			}
			for _, e := range v.Spec.Endpoints {
				if !hasServicePort(svc, e.Port) {
					bad("ServiceMonitor/%s: port %q is no port name of Service/%s", v.Name, e.Port, svc.Name)
				}
				if e.Path != "" && e.Path != "/metrics" {
					bad("ServiceMonitor/%s scrapes %s, not /metrics", v.Name, e.Path)
				}
			}
		}
	}
	return out
}

// checkDeployment holds regent's rules for its pod: probes, drain, hardening, references.
func checkDeployment(d *appsv1.Deployment, names map[string]bool) []string {
	var out []string
	bad := func(format string, a ...any) { out = append(out, "Deployment/"+d.Name+": "+fmt.Sprintf(format, a...)) }
	pod := d.Spec.Template.Spec
	if d.Spec.Selector == nil || !labelsMatch(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		bad("selector does not match the pod template's labels")
	}
	if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		bad("pod securityContext.runAsNonRoot must be true")
	} else if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		bad("pod securityContext.seccompProfile must be RuntimeDefault")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		bad("automountServiceAccountToken must be false: regent never calls the Kubernetes API")
	}
	if pod.ServiceAccountName != "" && !names["ServiceAccount/"+pod.ServiceAccountName] {
		bad("serviceAccountName %s is not defined", pod.ServiceAccountName)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
		if c := v.PersistentVolumeClaim; c != nil && !names["PersistentVolumeClaim/"+c.ClaimName] {
			bad("volume %s: PersistentVolumeClaim %s is not defined", v.Name, c.ClaimName)
		}
	}
	if len(pod.Containers) == 0 {
		bad("no container")
	}
	for _, c := range pod.Containers {
		cbad := func(format string, a ...any) { bad("container "+c.Name+": "+format, a...) }
		sc := c.SecurityContext
		switch {
		case sc == nil:
			cbad("no securityContext")
		case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
			cbad("readOnlyRootFilesystem must be true")
		case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
			cbad("allowPrivilegeEscalation must be false")
		case sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL":
			cbad("capabilities must drop ALL")
		}
		checkProbe := func(which string, p *corev1.Probe, path string) {
			switch {
			case p == nil:
				cbad("no %s probe", which)
			case p.HTTPGet == nil || p.HTTPGet.Path != path:
				cbad("%s probe must GET %s", which, path)
			case !containerHasPort(c, p.HTTPGet.Port):
				cbad("%s probe port %s is no container port", which, p.HTTPGet.Port.String())
			}
		}
		checkProbe("liveness", c.LivenessProbe, "/health/live")
		checkProbe("readiness", c.ReadinessProbe, "/health/ready")
		if c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
			cbad("no preStop hook: the endpoint removal must reach every proxy before SIGTERM")
		} else if s := c.Lifecycle.PreStop.Sleep; s != nil {
			grace := int64(30)
			if pod.TerminationGracePeriodSeconds != nil {
				grace = *pod.TerminationGracePeriodSeconds
			}
			if s.Seconds+10 > grace {
				cbad("terminationGracePeriodSeconds %d leaves under 10 s after the %d s preStop sleep to drain", grace, s.Seconds)
			}
		}
		if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() || c.Resources.Requests.Cpu().IsZero() {
			cbad("needs cpu and memory requests and a memory limit")
		}
		for _, m := range c.VolumeMounts {
			if _, ok := volumes[m.Name]; !ok {
				cbad("volumeMount %s names no volume", m.Name)
			}
		}
		for _, e := range c.Env {
			for _, msg := range validation.IsEnvVarName(e.Name) {
				cbad("env %s: %s", e.Name, msg)
			}
			if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil && !names["ConfigMap/"+e.ValueFrom.ConfigMapKeyRef.Name] {
				cbad("env %s: ConfigMap %s is not defined", e.Name, e.ValueFrom.ConfigMapKeyRef.Name)
			}
		}
		for _, e := range c.EnvFrom {
			if e.ConfigMapRef != nil && !names["ConfigMap/"+e.ConfigMapRef.Name] {
				cbad("envFrom: ConfigMap %s is not defined", e.ConfigMapRef.Name)
			}
		}
	}
	return out
}

func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func selecting(ds []*appsv1.Deployment, selector map[string]string) *appsv1.Deployment {
	for _, d := range ds {
		if labelsMatch(selector, d.Spec.Template.Labels) {
			return d
		}
	}
	return nil
}

func containerHasPort(c corev1.Container, port intstr.IntOrString) bool {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return true
		}
	}
	return false
}

func hasContainerPort(d *appsv1.Deployment, port intstr.IntOrString) bool {
	for _, c := range d.Spec.Template.Spec.Containers {
		if containerHasPort(c, port) {
			return true
		}
	}
	return false
}

func hasServicePort(s *corev1.Service, name string) bool {
	for _, p := range s.Spec.Ports {
		if p.Name == name {
			return true
		}
	}
	return false
}
