// Package knee is the arithmetic of capacity planning, as pure functions
// over measured load levels: the Login VSI 4.1 baseline, the knee (the last
// level whose average response stays under baseline + threshold), the
// marginal cost per session (a least-squares line over the levels with its
// R²), and the projection to a node of another size.
package knee
