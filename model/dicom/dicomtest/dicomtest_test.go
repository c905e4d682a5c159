package dicomtest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/dicom"
	"github.com/clipad/clipad/model/dicom/dicomtest"
)

func TestFileReadsBack(t *testing.T) {
	px := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	data := dicomtest.File(dicom.ExplicitVRLittleEndian, append(dicomtest.Image(2, 3, "MONOCHROME2", 1, 8, 2), dicomtest.Pixels("OB", px))...)
	for _, s := range dicomtest.Secrets {
		if !strings.Contains(string(data), s) {
			t.Fatalf("file lacks %q", s)
		}
	}
	f, err := dicom.Open(data, "t.dcm", dicom.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows != 2 || f.Columns != 3 || f.Frames != 2 || f.Modality != "MR" {
		t.Fatalf("%+v", f.Info)
	}
	fr, err := f.Frame(2)
	if err != nil || fr.Mono.V[5] != 11 {
		t.Fatal(err)
	}
	b, _ := json.Marshal(f.Info)
	for _, s := range dicomtest.Secrets {
		if strings.Contains(string(b), s) {
			t.Fatalf("info leaks %q", s)
		}
	}
}
