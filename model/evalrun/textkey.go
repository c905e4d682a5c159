package evalrun

import (
	"fmt"
	"strings"

	"github.com/clipad/clipad/model/dataset"
	"github.com/clipad/clipad/model/textvec"
)

// medicalText maps a medical dataset (kind, or the shared layout's dataset
// folder name) to its text-vector category (a key of prompts.Medical).
var medicalText = map[string]string{
	dataset.KindBrainMRI: dataset.CategoryBrainMRI,
	dataset.KindHeadCT:   dataset.CategoryHeadCT,
	dataset.KindISIC:     dataset.CategoryISIC,
	dataset.KindClinicDB: dataset.CategoryClinicDB,
}

// TextCategory picks the text-vector category for a dataset category:
//
//  1. a medical dataset (brainmri, headct, isic, clinicdb — as a kind or as
//     a shared-layout dataset folder) uses brain_mri, head_ct, skin, colon;
//  2. otherwise the category name itself (MVTec-AD and VisA names are the
//     asset's keys);
//  3. otherwise fallback, when given, with a warning;
//  4. otherwise an error naming the asset's categories.
//
// An unknown category is an error by default because scoring it with
// another category's prompts would silently give numbers that are not the
// paper's protocol.
func TextCategory(c *dataset.Category, a *textvec.Asset, fallback string) (key, warning string, err error) {
	has := func(n string) bool { _, err := a.Get(n); return err == nil }
	want := c.Name
	if k, ok := medicalText[c.Dataset]; ok {
		want = k
		if has(k) {
			return k, "", nil
		}
	}
	if has(c.Name) {
		return c.Name, "", nil
	}
	if fallback != "" {
		if !has(fallback) {
			return "", "", fmt.Errorf("fallback text category %q is not in the text-vector file either (it has: %s)",
				fallback, strings.Join(a.Names(), ", "))
		}
		return fallback, fmt.Sprintf("category %s has no text vectors (wanted %q); using %q's prompts instead",
			c.Key(), want, fallback), nil
	}
	return "", "", fmt.Errorf("category %s: the text-vector file has no category %q (it has: %s); make vectors for it with "+
		"'clipad rvs -categories %s' or pass -fallback object to score it with generic prompts",
		c.Key(), want, strings.Join(a.Names(), ", "), want)
}
