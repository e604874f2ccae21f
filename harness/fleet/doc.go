// Package fleet runs one scenario against several targets at once. Front
// puts an address in front of a lab's targets (a load balancer the operator
// runs, or HAProxy in the test lab): the clients dial that address, the
// targets behind it are watched and judged as usual, and the
// reconnect-affinity checker tells whether each user's reconnect reached
// the host holding their session.
package fleet
