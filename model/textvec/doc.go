// Package textvec is the static text-vector asset the browser ships and the
// CLI reads: for each category the two unit vectors T = [t_normal,
// t_abnormal] (spec §2.3), keyed by the model id they were computed with
// (architecture + weights hash), and recording the prompts and the RVS
// reducer used. The file is small, versioned JSON; see README "Text-vector
// asset" for the format.
package textvec
