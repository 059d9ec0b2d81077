// The ceiling of bench/operator.ts: the widget workload's writes (create the Widget, create its
// ConfigMap, write its status) done by a plain client-go client with no controller and no reads,
// so that every contender can be shown as a fraction of what this API server takes on this machine.
//
//	ceiling writes  KUBECONFIG NAMESPACE N CONCURRENCY
//	ceiling latency KUBECONFIG NAMESPACE N RATE SECONDS
//	ceiling list    KUBECONFIG NAMESPACE
//
// Each mode prints one JSON line with its figures.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

var widgets = schema.GroupVersionResource{Group: "bench.operon.dev", Version: "v1", Resource: "widgets"}

const payloadBytes = 800

// specFor is bench/operator/workload.ts's specFor(i, revision).
func specFor(i, revision int) map[string]any {
	head := fmt.Sprintf("object %d revision %d ", i, revision)
	return map[string]any{
		"revision": int64(revision),
		"owner":    fmt.Sprintf("team-%d", i%7),
		"tier":     []string{"gold", "silver", "bronze"}[i%3],
		"replicas": int64(1 + i%5),
		"labels": map[string]any{
			"app":   fmt.Sprintf("app-%d", i),
			"env":   fmt.Sprintf("env-%d", i%4),
			"zone":  fmt.Sprintf("zone-%d", i%3),
			"shard": strconv.Itoa(i % 16),
		},
		"payload": head + strings.Repeat("x", payloadBytes-len(head)),
	}
}

// configMapData is the ConfigMap a widget's spec asks for (the same in every contender).
func configMapData(spec map[string]any) map[string]string {
	labels := spec["labels"].(map[string]any)
	keys := slices.Sorted(maps.Keys(labels))
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = k + "=" + labels[k].(string)
	}
	return map[string]string{
		"revision": strconv.FormatInt(spec["revision"].(int64), 10),
		"owner":    spec["owner"].(string),
		"tier":     spec["tier"].(string),
		"replicas": strconv.FormatInt(spec["replicas"].(int64), 10),
		"labels":   strings.Join(pairs, ","),
		"payload":  spec["payload"].(string),
	}
}

func readyStatus(generation int64) map[string]any {
	return map[string]any{"status": map[string]any{
		"observedGeneration": generation,
		"conditions": []any{map[string]any{
			"type":               "Ready",
			"status":             "True",
			"reason":             "Applied",
			"message":            "ConfigMap applied",
			"observedGeneration": generation,
			"lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
		}},
	}}
}

type clients struct {
	core      kubernetes.Interface
	widgets   dynamic.ResourceInterface
	namespace string
}

func connect(kubeconfig, namespace string) (*clients, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS = 1e6
	cfg.Burst = 1e6
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &clients{core: core, widgets: dyn.Resource(widgets).Namespace(namespace), namespace: namespace}, nil
}

func mergePatch(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// createOne does what the bench and a controller do together for a new object, without reads.
func (c *clients) createOne(ctx context.Context, i int) error {
	spec := specFor(i, 1)
	w := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "bench.operon.dev/v1",
		"kind":       "Widget",
		"metadata":   map[string]any{"name": fmt.Sprintf("w-%d", i)},
		"spec":       spec,
	}}
	created, err := c.widgets.Create(ctx, w, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	yes := true
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name: created.GetName(),
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "bench.operon.dev/v1", Kind: "Widget", Name: created.GetName(), UID: created.GetUID(),
				Controller: &yes, BlockOwnerDeletion: &yes,
			}},
		},
		Data: configMapData(spec),
	}
	if _, err := c.core.CoreV1().ConfigMaps(c.namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return err
	}
	_, err = c.widgets.Patch(ctx, created.GetName(), types.MergePatchType,
		mergePatch(readyStatus(created.GetGeneration())), metav1.PatchOptions{}, "status")
	return err
}

// updateOne is one spec change carried through: the spec write, the ConfigMap, the status.
func (c *clients) updateOne(ctx context.Context, i, revision int) error {
	spec := specFor(i, revision)
	name := fmt.Sprintf("w-%d", i)
	w, err := c.widgets.Patch(ctx, name, types.MergePatchType, mergePatch(map[string]any{"spec": spec}), metav1.PatchOptions{})
	if err != nil {
		return err
	}
	if _, err := c.core.CoreV1().ConfigMaps(c.namespace).Patch(ctx, name, types.MergePatchType,
		mergePatch(map[string]any{"data": configMapData(spec)}), metav1.PatchOptions{}); err != nil {
		return err
	}
	_, err = c.widgets.Patch(ctx, name, types.MergePatchType, mergePatch(readyStatus(w.GetGeneration())),
		metav1.PatchOptions{}, "status")
	return err
}

func writes(c *clients, n, concurrency int) (map[string]any, error) {
	ctx := context.Background()
	var next atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := c.createOne(ctx, i); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	wg.Wait()
	ms := float64(time.Since(start).Microseconds()) / 1000
	if failed.Load() > 0 {
		return nil, fmt.Errorf("%d of %d objects failed, first: %v", failed.Load(), n, firstErr.Load())
	}
	return map[string]any{"objects": n, "ms": ms}, nil
}

func latency(c *clients, n int, rate float64, seconds float64) (map[string]any, error) {
	ctx := context.Background()
	total := int(rate * seconds)
	revisions := make([]int, n)
	for i := range revisions {
		revisions[i] = 1
	}
	samples := make([]float64, total)
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for k := range total {
		time.Sleep(time.Until(start.Add(time.Duration(float64(k) / rate * float64(time.Second)))))
		i := k % n
		revisions[i]++
		revision := revisions[i]
		wg.Go(func() {
			sent := time.Now()
			if err := c.updateOne(ctx, i, revision); err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
			samples[k] = float64(time.Since(sent).Microseconds()) / 1000
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		return nil, fmt.Errorf("%d of %d updates failed, first: %v", failed.Load(), total, firstErr.Load())
	}
	slices.Sort(samples)
	at := func(q float64) float64 { return samples[min(len(samples)-1, int(q*float64(len(samples))))] }
	return map[string]any{"updates": total, "p50": at(0.5), "p99": at(0.99), "max": samples[len(samples)-1]}, nil
}

func list(c *clients) (map[string]any, error) {
	ctx := context.Background()
	start := time.Now()
	count := func(page func(opts metav1.ListOptions) (string, int, error)) (int, error) {
		total, token := 0, ""
		for {
			next, items, err := page(metav1.ListOptions{Limit: 500, Continue: token})
			if err != nil {
				return 0, err
			}
			total += items
			if next == "" {
				return total, nil
			}
			token = next
		}
	}
	ws, err := count(func(o metav1.ListOptions) (string, int, error) {
		l, err := c.widgets.List(ctx, o)
		if err != nil {
			return "", 0, err
		}
		return l.GetContinue(), len(l.Items), nil
	})
	if err != nil {
		return nil, err
	}
	cms, err := count(func(o metav1.ListOptions) (string, int, error) {
		l, err := c.core.CoreV1().ConfigMaps(c.namespace).List(ctx, o)
		if err != nil {
			return "", 0, err
		}
		return l.Continue, len(l.Items), nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"widgets": ws, "configmaps": cms, "ms": float64(time.Since(start).Microseconds()) / 1000}, nil
}

func main() {
	usage := "usage: ceiling writes KUBECONFIG NAMESPACE N CONCURRENCY | latency KUBECONFIG NAMESPACE N RATE SECONDS | list KUBECONFIG NAMESPACE"
	args := os.Args[1:]
	if len(args) < 3 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	num := func(i int) float64 {
		if i >= len(args) {
			fmt.Fprintln(os.Stderr, usage)
			os.Exit(2)
		}
		v, err := strconv.ParseFloat(args[i], 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s is not a number\n", args[i])
			os.Exit(2)
		}
		return v
	}
	c, err := connect(args[1], args[2])
	if err == nil {
		var out map[string]any
		switch args[0] {
		case "writes":
			out, err = writes(c, int(num(3)), int(num(4)))
		case "latency":
			out, err = latency(c, int(num(3)), num(4), num(5))
		case "list":
			out, err = list(c)
		default:
			err = fmt.Errorf("unknown mode %q; %s", args[0], usage)
		}
		if err == nil {
			b, _ := json.Marshal(out)
			fmt.Println(string(b))
			return
		}
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
