// Package imaging is the image codec of uploads: it reads an image's type
// from its bytes, checks its size and the memory decoding it will take
// from its header alone, decodes it, turns a JPEG upright, and re-encodes
// it (which leaves every metadata block behind), with a preview and a
// blurhash.
//
// It is pure: it stores nothing, knows no engine, account or file, and
// takes only the context that stops it. How many images are decoded at
// once, where the files go and how big an upload may be are the caller's
// (federation's) to decide.
package imaging
