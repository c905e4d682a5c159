// Package dataset reads the standard anomaly-detection dataset layouts used
// by CLIP-AD's evaluation (spec §7.1) into lists of test samples. Readers
// only walk folders, stat files and parse CSVs; they never decode images.
// The package uses the standard library only and builds for GOOS=js.
//
// Open(root, kind) returns a *Set: categories sorted by dataset then name,
// each with its samples sorted by Path, and a list of non-fatal Problems.
// Detect(root) guesses the kind. A folder without the requested layout is
// an error (wrapping ErrLayout) that names the expected layout and lists
// what was found; per-file trouble — an anomalous image without its mask, a
// bad CSV row, an empty category, a stray non-image file — is recorded in
// Set.Problems and reading continues. An anomalous image whose mask is
// missing keeps MaskPath "" (HasMask stays true for its category) so a run
// can count it and leave it out of pixel metrics. Empty categories are
// reported and left out of Set.Categories.
//
// # Layouts (kind: layout → Dataset, Category)
//
//   - mvtec: <root>/<category>/test/<defect>/*.png, test/good = normal; masks
//     <root>/<category>/ground_truth/<defect>/<name>_mask.png. Any subset of
//     the 15 categories (MVTecCategories) is accepted, as is any other folder
//     with a test/ sub-folder, and a root that is itself one category folder.
//     A known category folder without test/ is reported as empty.
//     Pixel-level and image-level.
//   - visa: <root>/split_csv/1cls.csv with columns object,split,label,image,mask
//     (found by header name, any order; BOM tolerated); only split == test
//     rows; label normal/anomaly; paths relative to root (paths leaving the
//     root are rejected). Rows with too few fields, an empty object, an
//     unknown label or a CSV syntax error are Problems ("file:line N"); a
//     listed image that does not exist is a Problem and skipped.
//     Pixel-level and image-level; Defect "anomaly" (1cls.csv names no type).
//   - brainmri: <root>/{yes,no}/<image> or <root>/brain_tumor_dataset/{yes,no}/…;
//     yes = tumour = anomalous. Image-level only. Category brain_mri.
//   - headct: <root>/labels.csv (columns id, hemorrhage; hemorrhage 1 =
//     anomalous) with id → NNN.png (zero-padded to 3 digits) looked up in
//     <root>/head_ct/head_ct/ then <root>/head_ct/. Image-level only.
//     Category head_ct.
//   - isic: ISIC 2016 Part 1 test, <root>/ISBI2016_ISIC_Part1_Test_Data/<id>.jpg
//     with masks <root>/ISBI2016_ISIC_Part1_Test_GroundTruth/<id>_Segmentation.png.
//     Every image is anomalous; pixel-level only. Category skin.
//   - clinicdb: CVC-ClinicDB <root>/Original/*.tif with the mask of the same
//     name in <root>/Ground Truth/ (also under <root>/TIF, <root>/PNG or
//     <root>/CVC-ClinicDB). Every image is anomalous; pixel-level only.
//     Category colon.
//   - shared: this project's sample data (shared/data, see its SOURCES.md):
//     <root>/<dataset>/<category>/{good,anomaly,mask}/[<defect>/]<file>, or
//     <root>/<category>/… for a single dataset (named after root). Dataset
//     and category names are the folder names; folders without any
//     category (such as shared/data/clip) are ignored, and folders named
//     test, train or ground_truth are never categories (an MVTec-AD root is
//     not a shared one). good/ holds normal
//     images; anomaly/<defect>/<f> has Defect <defect>, loose anomaly/<f>
//     has Defect "anomaly". A category has pixel-level ground truth when it
//     has a mask/ folder; then the masks of anomaly/[<defect>/] are taken
//     from mask/[<defect>/]: first by name (<stem>_mask.<ext>, the same
//     name, or <stem>.<ext>: MVTec's NNN.png ↔ NNN_mask.png), then the
//     images and masks left over in that folder are paired in sorted order
//     when they are equally many (VisA's defective.jpg ↔ ground_truth.jpg,
//     one pair per category). Otherwise the leftovers are Problems.
//
// Category.ImageLevel is set when image-level metrics make sense (the
// layout has image labels and both labels occur); Category.PixelLevel when
// masks exist (every Sample.HasMask of the category).
//
// # Mask semantics (spec §1.2)
//
// Each Sample carries how its mask is to be read:
//
//   - MaskThreshold: a mask pixel v is foreground when v > MaskThreshold.
//     0 everywhere (MVTec/VisA "pixels > 0 → 255"; medical masks are stored
//     0/255) except the shared layout's VisA masks, which their source
//     re-encoded as JPEG: 127 (SharedVisAMaskThreshold), per SOURCES.md.
//   - MaskPrebinarize: apply the threshold at native resolution (→ 0/255)
//     before the bilinear resize to the model size — true for MVTec, VisA
//     and the shared layout; false for ISIC and CVC-ClinicDB, whose raw
//     masks the official code resizes directly. Either way the resized mask
//     is then binarised with /255 > 0.5; normal images get an all-zero mask.
//   - MaskFirstChannel: CVC-ClinicDB masks are the first channel of an
//     OpenCV read (BGR order: Blue of a decoded RGB image, the gray value of
//     a gray one) rather than PIL convert('L').
//
// # Filtering
//
// Set.Filter(categories, limit) keeps the named categories (Name or
// "Dataset/Name") and at most limit samples per category. The limit takes
// normal and anomalous samples alternately (normal first; when one label
// runs out the other continues) and the anomalous ones round-robin over the
// defect types sorted by name, each type in Path order; the kept samples
// stay in Path order. The result is deterministic.
package dataset
