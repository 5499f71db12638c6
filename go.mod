module github.com/deploy-action/deploy-action

go 1.26.8

require (
	github.com/cenkalti/backoff/v5 v5.0.3
	github.com/sethvargo/go-githubactions v1.3.1
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.6
)
