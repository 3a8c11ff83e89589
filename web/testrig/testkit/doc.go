// Package testkit is the part of the test rig that imports nothing of
// copse, so that tests inside federation and storage can use it as well as
// testrig does: a pool of pre-generated RSA keys and the one poll helper.
// Only tests may import it.
package testkit
