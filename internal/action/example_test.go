package action_test

import (
	"fmt"
	"os"

	"github.com/deploy-action/deploy-action/internal/action"
)

func ExampleLoad() {
	env := map[string]string{
		"INPUT_TASK_ID":                  "d2dc947ec2424d8789bb3984bb3adf45",
		"INPUT_PARAMS":                   "version: 1.10\nreplicas: 3\n",
		"INPUT_WAIT":                     "false",
		"HUAWEI_CLOUD_REGION":            "cn-north-4",
		"HUAWEI_CLOUD_ACCESS_KEY_ID":     "AK-EXAMPLE",
		"HUAWEI_CLOUD_SECRET_ACCESS_KEY": "SK-EXAMPLE",
	}
	cfg, err := action.Load(func(k string) string { return env[k] })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Operation, cfg.Region, cfg.Timeout, cfg.Wait, cfg.Params)
	// Output: deploy cn-north-4 30m0s false [{version 1.10 text} {replicas 3 text}]
}

func ExampleLoad_errors() {
	env := map[string]string{
		"INPUT_OPERATION":         "deplyo",
		"INPUT_WAIT":              "yes",
		"INPUT_REGION":            "cn-north-4",
		"INPUT_ACCESS_KEY_ID":     "AK-EXAMPLE",
		"INPUT_SECRET_ACCESS_KEY": "SK-EXAMPLE",
	}
	_, err := action.Load(func(k string) string { return env[k] })
	fmt.Println(err)
	// Output: operation: "deplyo" is not one of deploy, stop, release-plan, signal, watch
}

func ExampleParseParams() {
	params, err := action.ParseParams(`
- key: version
  value: 1.10
- key: db_password
  value: s3cret
  type: encrypt
`)
	fmt.Println(params, err)
	// Output: [{version 1.10 text} {db_password s3cret encrypt}] <nil>
}

func ExampleLog() {
	log := action.NewLog(os.Stdout, false)
	log.AddMask("s3cret")
	log.Group("Deploy")
	log.Infof("password is %s", "s3cret")
	log.Infof("::warning::from a deployment's own log")
	log.EndGroup()
	log.Error("Deployment failed", "step 2: exit 1")
	// Output:
	// ::add-mask::s3cret
	// ::group::Deploy
	// password is ***
	// \::warning::from a deployment's own log
	// ::endgroup::
	// ::error title=Deployment failed::step 2: exit 1
}
