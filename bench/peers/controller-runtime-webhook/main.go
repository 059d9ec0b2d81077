// The validating webhook of bench/webhook.ts, written with controller-runtime the way kubebuilder
// projects write it: a typed Peered, admission.WithValidator, served by webhook.NewServer from a
// certificate folder (tls.crt, tls.key). It allows an image from registry.example.com/ and denies
// any other, as the Operon webhook it is measured against.
//
//	webhook-peer CERT_DIR PORT
//
// It prints "ready" once it serves; the end of stdin stops it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

var groupVersion = schema.GroupVersion{Group: "bench.operon.dev", Version: "v1"}

type PeeredSpec struct {
	Image string `json:"image"`
}

type Peered struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              PeeredSpec `json:"spec"`
}

func (p *Peered) DeepCopyObject() kruntime.Object {
	out := *p
	p.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	return &out
}

// validator checks the image's registry, as the Operon handler does.
type validator struct{}

func (validator) check(p *Peered) error {
	if strings.HasPrefix(p.Spec.Image, "registry.example.com/") {
		return nil
	}
	return apierrors.NewInvalid(
		schema.GroupKind{Group: groupVersion.Group, Kind: "Peered"},
		p.Name,
		field.ErrorList{field.Invalid(field.NewPath("spec", "image"), p.Spec.Image, "registry")},
	)
}

func (v validator) ValidateCreate(_ context.Context, p *Peered) (admission.Warnings, error) {
	return nil, v.check(p)
}

func (v validator) ValidateUpdate(_ context.Context, _, p *Peered) (admission.Warnings, error) {
	return nil, v.check(p)
}

func (validator) ValidateDelete(context.Context, *Peered) (admission.Warnings, error) {
	return nil, nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: webhook-peer CERT_DIR PORT")
		os.Exit(2)
	}
	port, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "PORT:", err)
		os.Exit(2)
	}
	ctrl.SetLogger(zap.New(zap.UseDevMode(false), zap.Level(zapcore.ErrorLevel)))
	scheme := kruntime.NewScheme()
	scheme.AddKnownTypes(groupVersion, &Peered{})
	metav1.AddToGroupVersion(scheme, groupVersion)

	server := webhook.NewServer(webhook.Options{Host: "127.0.0.1", Port: port, CertDir: os.Args[1]})
	server.Register("/validate-bench-operon-dev-v1-peered", admission.WithValidator[*Peered](scheme, validator{}))

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	done := make(chan error, 1)
	go func() { done <- server.Start(ctx) }()
	for {
		if server.StartedChecker()(nil) == nil {
			break
		}
		select {
		case err := <-done:
			fmt.Fprintln(os.Stderr, "webhook server failed:", err)
			os.Exit(1)
		case <-time.After(20 * time.Millisecond):
		}
	}
	fmt.Println("ready")
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "webhook server failed:", err)
		os.Exit(1)
	}
}
