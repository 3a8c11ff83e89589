// Package activitypub is copse's vocabulary: the domain shapes of actors,
// notes, articles and activities, their conversion to and from
// ActivityStreams JSON-LD (through go-fed/activity/streams), and the rules
// of addressing and visibility.
//
// It is pure: no I/O, no clock, no database, and it imports nothing of copse.
package activitypub
