// Package huawei holds what every Huawei Cloud API client of the action
// shares: credentials, the SDK-HMAC-SHA256 signer, endpoint resolution, the
// signing and retrying HTTP client, and APIError with its classification.
package huawei
