// Command job is the jobs function as a Lambda: applications with résumés
// in S3, referrals and HR's hiring pipeline.
package main

import (
	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/lambda/entry"
)

func main() { entry.Run("job", nil, app.Options{}) }
