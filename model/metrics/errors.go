package metrics

import (
	"errors"
	"fmt"
)

// ErrUndefined is matched (errors.Is) by every error saying that a metric is
// mathematically undefined for the given data — for example AUROC of a
// category whose test set has no anomalous sample. The official code would
// crash or print nan there; callers should report such a value as "n/a".
// Errors that do not match ErrUndefined mean invalid input (length mismatch,
// NaN or infinite scores, empty input).
var ErrUndefined = errors.New("metric undefined")

// UndefinedError says which metric is undefined and why.
type UndefinedError struct {
	Metric string // "AUROC", "AP", "F1-max", "AUPRO"
	Reason string
}

func (e *UndefinedError) Error() string {
	return fmt.Sprintf("metrics: %s undefined (n/a): %s", e.Metric, e.Reason)
}

// Is makes errors.Is(err, ErrUndefined) true.
func (e *UndefinedError) Is(target error) bool { return target == ErrUndefined }

func undefined(metric, reason string) error {
	return &UndefinedError{Metric: metric, Reason: reason}
}

const (
	reasonNoPos = "no positive (anomalous) sample in the labels, only one class present"
	reasonNoNeg = "no negative (normal) sample in the labels, only one class present"
)
