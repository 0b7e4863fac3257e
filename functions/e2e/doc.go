// Package e2e holds journeys over plain HTTP against a real `okaeri serve`,
// with the links read from the outbox .eml files as a person would click them.
package e2e
