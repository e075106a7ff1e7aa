package testenv

import "github.com/minio/minio-go/v7"

func listAllVersions() minio.ListObjectsOptions {
	return minio.ListObjectsOptions{Recursive: true, WithVersions: true}
}

func removeVersion(v string) minio.RemoveObjectOptions {
	return minio.RemoveObjectOptions{VersionID: v, GovernanceBypass: true}
}
