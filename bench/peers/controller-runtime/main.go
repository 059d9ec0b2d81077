// The widget controller of bench/operator.ts, written with controller-runtime the way kubebuilder
// projects write it: a typed Widget, For(Widget).Owns(ConfigMap), CreateOrUpdate with a controller
// reference, and a status update only when the status changed.
//
//	widget-operator KUBECONFIG NAMESPACE
//
// It prints "synced" once its caches have synced. On stdin, "gc" collects garbage, returns memory
// to the OS and answers "gc done heap=BYTES"; "stats" answers "stats allocated=BYTES" (bytes
// allocated on the heap since start); the end of stdin stops it.
package main

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

var groupVersion = schema.GroupVersion{Group: "bench.operon.dev", Version: "v1"}

type WidgetSpec struct {
	Revision int64             `json:"revision"`
	Owner    string            `json:"owner"`
	Tier     string            `json:"tier"`
	Replicas int32             `json:"replicas"`
	Labels   map[string]string `json:"labels,omitempty"`
	Payload  string            `json:"payload"`
}

type WidgetStatus struct {
	ObservedGeneration int64              `json:"observedGeneration,omitempty"`
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
}

type Widget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              WidgetSpec   `json:"spec"`
	Status            WidgetStatus `json:"status,omitempty"`
}

type WidgetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Widget `json:"items"`
}

// Deep copies, written by hand where controller-gen would generate them.

func (in *Widget) DeepCopyInto(out *Widget) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec.Labels = maps.Clone(in.Spec.Labels)
	if in.Status.Conditions != nil {
		out.Status.Conditions = make([]metav1.Condition, len(in.Status.Conditions))
		for i := range in.Status.Conditions {
			in.Status.Conditions[i].DeepCopyInto(&out.Status.Conditions[i])
		}
	}
}

func (in *Widget) DeepCopyObject() kruntime.Object {
	out := new(Widget)
	in.DeepCopyInto(out)
	return out
}

func (in *WidgetList) DeepCopyObject() kruntime.Object {
	out := new(WidgetList)
	*out = *in
	in.ListMeta.DeepCopyInto(&out.ListMeta)
	if in.Items != nil {
		out.Items = make([]Widget, len(in.Items))
		for i := range in.Items {
			in.Items[i].DeepCopyInto(&out.Items[i])
		}
	}
	return out
}

// configMapData is the ConfigMap a widget's spec asks for (the same in every contender).
func configMapData(spec *WidgetSpec) map[string]string {
	keys := slices.Sorted(maps.Keys(spec.Labels))
	labels := make([]string, len(keys))
	for i, k := range keys {
		labels[i] = k + "=" + spec.Labels[k]
	}
	return map[string]string{
		"revision": strconv.FormatInt(spec.Revision, 10),
		"owner":    spec.Owner,
		"tier":     spec.Tier,
		"replicas": strconv.Itoa(int(spec.Replicas)),
		"labels":   strings.Join(labels, ","),
		"payload":  spec.Payload,
	}
}

type reconciler struct {
	client.Client
	scheme *kruntime.Scheme
}

func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var widget Widget
	if err := r.Get(ctx, req.NamespacedName, &widget); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: widget.Name, Namespace: widget.Namespace}}
	if _, err := controllerutil.CreateOrUpdate(ctx, r.Client, cm, func() error {
		cm.Data = configMapData(&widget.Spec)
		return controllerutil.SetControllerReference(&widget, cm, r.scheme)
	}); err != nil {
		return ctrl.Result{}, err
	}
	before := widget.Status.DeepCopy()
	meta.SetStatusCondition(&widget.Status.Conditions, metav1.Condition{
		Type:               "Ready",
		Status:             metav1.ConditionTrue,
		Reason:             "Applied",
		Message:            "ConfigMap applied",
		ObservedGeneration: widget.Generation,
	})
	widget.Status.ObservedGeneration = widget.Generation
	if !equality.Semantic.DeepEqual(before, &widget.Status) {
		if err := r.Status().Update(ctx, &widget); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, nil
}

func (in *WidgetStatus) DeepCopy() *WidgetStatus {
	out := &WidgetStatus{ObservedGeneration: in.ObservedGeneration}
	if in.Conditions != nil {
		out.Conditions = make([]metav1.Condition, len(in.Conditions))
		for i := range in.Conditions {
			in.Conditions[i].DeepCopyInto(&out.Conditions[i])
		}
	}
	return out
}

func run(kubeconfig, namespace string) error {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	scheme := kruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	scheme.AddKnownTypes(groupVersion, &Widget{}, &WidgetList{})
	metav1.AddToGroupVersion(scheme, groupVersion)

	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	// No client-side rate limit: the bench measures the API server, not client-go's token bucket.
	cfg.QPS = 1e6
	cfg.Burst = 1e6
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme,
		Cache: cache.Options{
			DefaultNamespaces: map[string]cache.Config{namespace: {}},
			DefaultTransform:  cache.TransformStripManagedFields(),
		},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		return err
	}
	if err := ctrl.NewControllerManagedBy(mgr).
		For(&Widget{}).
		Owns(&corev1.ConfigMap{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: 4}).
		Complete(&reconciler{Client: mgr.GetClient(), scheme: scheme}); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The controller uses these two informers; asking for them now lets us say when they synced.
	for _, obj := range []client.Object{&Widget{}, &corev1.ConfigMap{}} {
		if _, err := mgr.GetCache().GetInformer(ctx, obj, cache.BlockUntilSynced(false)); err != nil {
			return err
		}
	}
	go func() {
		if mgr.GetCache().WaitForCacheSync(ctx) {
			fmt.Println("synced")
		}
	}()
	go func() {
		lines := bufio.NewScanner(os.Stdin)
		for lines.Scan() {
			if strings.TrimSpace(lines.Text()) == "stats" {
				var stats runtime.MemStats
				runtime.ReadMemStats(&stats)
				fmt.Printf("stats allocated=%d\n", stats.TotalAlloc)
			}
			if strings.TrimSpace(lines.Text()) == "gc" {
				runtime.GC()
				debug.FreeOSMemory()
				var stats runtime.MemStats
				runtime.ReadMemStats(&stats)
				fmt.Printf("gc done heap=%d\n", stats.HeapAlloc)
			}
		}
		stop() // the bench is gone or done with us
	}()
	return mgr.Start(ctx)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: widget-operator KUBECONFIG NAMESPACE")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
