//go:build !js

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/sdpplus"
	"github.com/clipad/clipad/model/synth"
)

// plantedTrainData writes a small MVTec-AD layout of planted images (red
// spots with masks) and returns its root.
func plantedTrainData(t *testing.T, root string, masks bool) {
	spots := []*synth.Spot{{X0: 32, Y0: 32, X1: 96, Y1: 96}, {X0: 144, Y0: 128, X1: 208, Y1: 192}, {X0: 16, Y0: 160, X1: 80, Y1: 224}}
	for i, sp := range spots {
		evalPut(t, filepath.Join(root, "screw", "test", "good", fmt.Sprintf("%03d.png", i)), synth.PlantedPNG(240, 240, nil, uint64(i), false))
		evalPut(t, filepath.Join(root, "screw", "test", "spot", fmt.Sprintf("%03d.png", i)), synth.PlantedPNG(240, 240, sp, uint64(10+i), false))
		if masks {
			evalPut(t, filepath.Join(root, "screw", "ground_truth", "spot", fmt.Sprintf("%03d_mask.png", i)), evalMaskPNG(t, 240, 240, sp))
		}
	}
}

type detectRecord struct {
	Name     string    `json:"name"`
	MapMax   float64   `json:"map_max"`
	SDPPlus  bool      `json:"sdp_plus"`
	PatchMap []float64 `json:"patch_map"`
}

func readRecords(t *testing.T, dir string) []detectRecord {
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rs []detectRecord
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

// clipad train end to end on the planted model: features cached once,
// a checkpoint and a validation table per epoch, a JSON log; the
// checkpoint then drives detect (-sdp-plus FILE), goes into a bundle
// (bundle -sdp-plus) and is used from there (detect -sdp-plus bundle)
// with identical results.
func TestTrainPlantedCLI(t *testing.T) {
	tmp := t.TempDir()
	wdir := filepath.Join(tmp, "planted")
	if err := runSynth([]string{"-config", "planted", "-out", wdir}); err != nil {
		t.Fatal(err)
	}
	wfile := filepath.Join(wdir, "open_clip_model.safetensors")
	root := filepath.Join(tmp, "data")
	plantedTrainData(t, root, true)
	out := filepath.Join(tmp, "run")
	args := []string{"-data", root, "-kind", "mvtec", "-weights", wfile, "-target", root, "-target-kind", "mvtec",
		"-epochs", "2", "-batch", "4", "-lr", "1e-3", "-out", out}
	if err := runTrain(args); err != nil {
		t.Fatal(err)
	}
	for e := 1; e <= 2; e++ {
		h, err := sdpplus.Load(filepath.Join(out, fmt.Sprintf("epoch_%d.safetensors", e)))
		if err != nil {
			t.Fatal(err)
		}
		if h.Meta.Epoch != e || h.Meta.Config != "planted" || h.Meta.TrainData != "mvtec" || h.Meta.Sigma != 8 || h.Meta.ModelID == "" {
			t.Errorf("epoch %d checkpoint metadata %+v", e, h.Meta)
		}
		md, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("val_epoch_%d.md", e)))
		if err != nil || !strings.Contains(string(md), "| screw") || !strings.Contains(string(md), "auroc_px") {
			t.Errorf("validation table of epoch %d: %v\n%s", e, err, md)
		}
	}
	f, err := os.Open(filepath.Join(out, "train_log.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var logs []epochLog
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l epochLog
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		logs = append(logs, l)
	}
	f.Close()
	if len(logs) != 2 || logs[0].Steps != 2 || logs[1].Validation["auroc_px"] <= 0 || logs[1].MeanLoss <= 0 {
		t.Fatalf("train log %+v", logs)
	}
	t.Logf("epoch losses %.4f, %.4f; pixel AUROC after epoch 2: %.4f", logs[0].MeanLoss, logs[1].MeanLoss, logs[1].Validation["auroc_px"])
	cached, _ := filepath.Glob(filepath.Join(out, "cache", "*.safetensors"))
	if len(cached) != 6 {
		t.Fatalf("%d cache files, want 6 (one per image)", len(cached))
	}

	// detect with the checkpoint, and through a bundle that carries it
	ck := filepath.Join(out, "epoch_2.safetensors")
	img := filepath.Join(root, "screw", "test", "spot", "001.png")
	d1, d2, d3 := filepath.Join(tmp, "d1"), filepath.Join(tmp, "d2"), filepath.Join(tmp, "d3")
	if err := runDetect([]string{"-weights", wfile, "-category", "screw", "-no-png", "-out", d1, img}); err != nil {
		t.Fatal(err)
	}
	if err := runDetect([]string{"-weights", wfile, "-category", "screw", "-no-png", "-sdp-plus", ck, "-out", d2, img}); err != nil {
		t.Fatal(err)
	}
	bdir := filepath.Join(tmp, "bundle")
	if err := runBundle([]string{"-weights", wfile, "-dtype", "f32", "-sdp-plus", ck, "-out", bdir}); err != nil {
		t.Fatal(err)
	}
	if err := runDetect([]string{"-weights", bdir, "-text", filepath.Join(wdir, "text_vectors.json"), "-category", "screw",
		"-no-png", "-sdp-plus", "bundle", "-out", d3, img}); err != nil {
		t.Fatal(err)
	}
	r1, r2, r3 := readRecords(t, d1)[0], readRecords(t, d2)[0], readRecords(t, d3)[0]
	if r1.SDPPlus || !r2.SDPPlus || !r3.SDPPlus {
		t.Fatalf("sdp_plus flags %v %v %v", r1.SDPPlus, r2.SDPPlus, r3.SDPPlus)
	}
	if r2.MapMax <= r1.MapMax || r2.MapMax != r3.MapMax {
		t.Errorf("map max: SDP %v, SDP+ checkpoint %v, SDP+ from the bundle %v", r1.MapMax, r2.MapMax, r3.MapMax)
	}
	if fmt.Sprint(r1.PatchMap) != fmt.Sprint(r2.PatchMap) {
		t.Errorf("SDP+ changed the SDP patch map")
	}

	// a second run finds every feature in the cache
	if err := runTrain(append(args[:len(args)-1], filepath.Join(tmp, "run2"), "-cache", filepath.Join(out, "cache"), "-epochs", "1")); err != nil {
		t.Fatal(err)
	}
	again, _ := filepath.Glob(filepath.Join(out, "cache", "*.safetensors"))
	if len(again) != 6 {
		t.Errorf("second run wrote new cache files: %d", len(again))
	}
}

func TestTrainBadInput(t *testing.T) {
	tmp := t.TempDir()
	wdir := filepath.Join(tmp, "planted")
	if err := runSynth([]string{"-config", "planted", "-out", wdir}); err != nil {
		t.Fatal(err)
	}
	wfile := filepath.Join(wdir, "open_clip_model.safetensors")
	nomask := filepath.Join(tmp, "nomask")
	plantedTrainData(t, nomask, false)
	notPickle := filepath.Join(tmp, "x.pth")
	os.WriteFile(notPickle, []byte("definitely not a checkpoint"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "-data is required"},
		{[]string{"-data", nomask, "-epochs", "0"}, "epochs must be ≥ 1"},
		{[]string{"-data", nomask, "-lr", "-1"}, "learning rate"},
		{[]string{"-data", nomask, "-kind", "mvtec", "-weights", wfile, "-out", filepath.Join(tmp, "o")}, "no anomalous image has a ground-truth mask"},
	} {
		err := runTrain(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("train %v: error %v, want %q", c.args, err, c.want)
		}
	}
	// detect refuses checkpoints that are no checkpoints or for another width
	img := filepath.Join(nomask, "screw", "test", "good", "000.png")
	wide := filepath.Join(tmp, "wide.safetensors")
	if err := sdpplus.NewHead(896, 640).Save(wide); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		val, want string
	}{
		{notPickle, "not an SDP+ checkpoint"},
		{wide, "map width 896 → 640, but model planted has width 64 → embedding 16"},
		{"bundle", "needs -weights to be a bundle directory"},
		{filepath.Join(tmp, "missing.safetensors"), "no such file"},
	} {
		err := runDetect([]string{"-weights", wfile, "-category", "screw", "-no-png", "-sdp-plus", c.val, "-out", filepath.Join(tmp, "d"), img})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("detect -sdp-plus %s: error %v, want %q", c.val, err, c.want)
		}
	}
}
