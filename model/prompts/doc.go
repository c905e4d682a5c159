// Package prompts is CLIP-AD's prompt ensemble (spec §2.1): the normal and
// abnormal state phrases, the 22 sentence templates, their enumeration order
// (states outer, templates inner — it matters for DBSCAN labelling), and the
// category list the product ships text vectors for: the 15 MVTec-AD and 12
// VisA categories, a generic "object", and four medical categories whose
// phrases are this project's own (the paper's medical prompts are not
// published; see Medical).
package prompts
