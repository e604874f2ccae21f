// Package fault is the catalog of faults the engine injects through the
// harness.Fault interface: one file per fault, each undone by its Heal.
// Faults act through harness.Target (Exec inside the target), so they work
// on any target the lab provides.
package fault
