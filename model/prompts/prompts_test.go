package prompts

import "testing"

func TestCountsAndOrder(t *testing.T) {
	if len(NormalStates) != 9 || len(AbnormalStates) != 10 || len(Templates) != 22 {
		t.Fatalf("ensemble sizes %d/%d/%d, want 9/10/22", len(NormalStates), len(AbnormalStates), len(Templates))
	}
	n := Sentences(NormalStates, "metal_nut")
	a := Sentences(AbnormalStates, "metal_nut")
	if len(n) != 198 || len(a) != 220 {
		t.Fatalf("got %d normal / %d abnormal sentences, want 198 / 220", len(n), len(a))
	}
	// states outer, templates inner
	if n[0] != "a cropped photo of the flawless metal_nut." || n[1] != "a cropped photo of a flawless metal_nut." ||
		n[22] != "a cropped photo of the perfect metal_nut." || n[197] != "a photo of a metal_nut without contamination for anomaly detection." {
		t.Errorf("unexpected order: %q %q %q %q", n[0], n[1], n[22], n[197])
	}
	if a[219] != "a photo of a metal_nut with contamination for anomaly detection." {
		t.Errorf("last abnormal sentence %q", a[219])
	}
}

func TestDefaultSet(t *testing.T) {
	cs := Default()
	if len(cs) != 15+12+1+4 {
		t.Fatalf("%d categories", len(cs))
	}
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.Name] {
			t.Errorf("duplicate %s", c.Name)
		}
		seen[c.Name] = true
	}
	if c, ok := Lookup("pipe_fryum"); !ok || c.Dataset != "visa" {
		t.Errorf("pipe_fryum: %+v %v", c, ok)
	}
	if c, ok := Lookup("widget"); ok || c.PromptName != "widget" {
		t.Errorf("custom category: %+v %v", c, ok)
	}
}
