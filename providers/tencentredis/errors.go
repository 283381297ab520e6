package tencentredis

import (
	"errors"
	"maps"
	"strings"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// errorKinds maps Tencent Cloud error codes to kinds: first the exact code,
// then its family (the part before the first '.'), e.g. every
// RequestLimitExceeded.* is Throttled.
//
// Sources: the codes each action documents in tencentcloud-sdk-go
// tencentcloud/redis/v20180412/client.go@144f6c8d ("可能返回的错误码"), their
// descriptions in errors.go@144f6c8d, and the API 3.0 common error codes
// (https://tencentcloud.com/document/api/1131/45350, the "签名失败" table of
// https://intl.cloud.tencent.com/document/api/1021/34193). The actions
// document:
//
//	ManualBackupInstance:    FailedOperation.CommitFlowError, FailedOperation.SystemError,
//	                         InternalError.InternalError, InvalidParameter.InvalidParameter,
//	                         InvalidParameter.PermissionDenied, ResourceNotFound.InstanceNotExists,
//	                         ResourceUnavailable.InstanceLockedError, ResourceUnavailable.InstanceStateError,
//	                         ResourceUnavailable.InstanceStatusAbnormal, UnauthorizedOperation.NoCAMAuthed
//	DescribeTaskInfo:        FailedOperation.SystemError, InvalidParameter.InvalidParameter,
//	                         InvalidParameter.PermissionDenied
//	DescribeInstanceBackups: FailedOperation.SystemError, InternalError.DbOperationFailed,
//	                         InternalError.InternalError, InvalidParameter.InvalidParameter,
//	                         InvalidParameter.PermissionDenied, ResourceNotFound.InstanceNotExists,
//	                         UnauthorizedOperation.NoCAMAuthed, UnsupportedOperation
//	DescribeTaskList:        FailedOperation.SystemError, InternalError.DbOperationFailed,
//	                         InternalError.InternalError, InvalidParameter.PermissionDenied
//
// A server-side failure (InternalError*, FailedOperation.SystemError,
// FailedOperation.CommitFlowError) does not prove that nothing was applied,
// so it is Unknown: core looks for the backup before calling again. Only a
// code that says the request was refused before any work (throttling, a
// locked instance, bad credentials or parameters) is retryable or final.
var errorKinds = map[string]errkind.Kind{
	// "redis 已经被其它流程锁定。" / "redis 状态异常，不能执行对应流程。" /
	// "实例状态错误。": the instance is held by another flow (e.g. a running
	// backup) or refuses the flow now: retry later.
	"ResourceUnavailable.InstanceLockedError":    errkind.Busy,
	"ResourceUnavailable.InstanceStatusAbnormal": errkind.Busy,
	"ResourceUnavailable.InstanceStateError":     errkind.Busy,
	"ResourceUnavailable.InstanceStatusError":    errkind.Busy, // "实例状态异常，不能执行对应操作。"
	"ResourceInUse.InstanceBeenLocked":           errkind.Busy, // "实例被其它流程锁住。"

	"ResourceNotFound":                    errkind.NotFound, // common: "资源不存在。"
	"ResourceNotFound.InstanceNotExists":  errkind.NotFound, // "根据 serialId 没有找到对应 redis。"
	"ResourceNotFound.InstanceNotFound":   errkind.NotFound, // "找不到该实例。"
	"ResourceUnavailable.InstanceDeleted": errkind.NotFound, // "实例已经被回收了。"
	"FailedOperation.FlowNotExists":       errkind.NotFound, // "流表不存在。": an unknown task ("flow")

	"UnsupportedOperation":                            errkind.Unsupported, // "操作不支持。"
	"FailedOperation.UnSupportError":                  errkind.Unsupported, // "实例不支持该接口。"
	"ResourceUnavailable.InstanceNotSupportOperation": errkind.Unsupported, // "实例状态不支持操作。"

	"RequestLimitExceeded": errkind.Throttled, // common: "请求的次数超过了频率限制。"

	// Server-side failures: ambiguous.
	"InternalError": errkind.Unknown, // common and errors.go: "内部错误。" (and every InternalError.*)
	// "内部系统错误，和业务无关。"
	"FailedOperation.SystemError": errkind.Unknown,
	// "提交工作流失败。" (committing the workflow failed): the backup is a
	// flow, and a failed commit does not say the flow was not recorded (a
	// commit that timed out may have landed), so it is not proof that no
	// backup started.
	"FailedOperation.CommitFlowError": errkind.Unknown,
	// An InternalError.* that names a permission problem is a refusal, not
	// a server failure: "无操作权限。"
	"InternalError.InstanceOperatePermissionError": errkind.PermissionDenied,

	"AuthFailure":                       errkind.Unauthenticated, // common: SignatureFailure, SecretIdNotFound, ...
	"AuthFailure.UnauthorizedOperation": errkind.PermissionDenied,
	"UnauthorizedOperation":             errkind.PermissionDenied, // incl. NoCAMAuthed "无cam 权限。"
	"InvalidParameter.PermissionDenied": errkind.PermissionDenied, // "接口没有cam权限。"

	"InvalidParameter":      errkind.InvalidArgument, // incl. InvalidParameter.InvalidParameter "业务参数错误。"
	"InvalidParameterValue": errkind.InvalidArgument,
	"MissingParameter":      errkind.InvalidArgument,
	"UnknownParameter":      errkind.InvalidArgument,
	"InvalidAction":         errkind.InvalidArgument,
	"NoSuchVersion":         errkind.InvalidArgument,
	"UnsupportedRegion":     errkind.InvalidArgument,
	"UnsupportedProtocol":   errkind.InvalidArgument,
}

// errorTable reads the SDK's *TencentCloudSDKError and maps its code by
// errorKinds, exact code first, then its family. The SDK reports its own
// failures (network, unreadable answer) as ClientError.* codes: those are not
// the cloud's answer and go through providers.TransportError. Tencent
// answers every API error with HTTP 200, so the status says nothing.
var errorTable = &providers.ErrorTable{
	Parts: func(err error) (providers.ErrorParts, bool) {
		var se *tcerr.TencentCloudSDKError
		if !errors.As(err, &se) || strings.HasPrefix(se.Code, "ClientError") {
			return providers.ErrorParts{}, false
		}
		return providers.ErrorParts{Code: se.Code, RequestID: se.RequestId, Message: se.Message}, true
	},
	Codes:    errorKinds,
	Families: errorKinds,
}

// taskInfoErrors is errorTable for DescribeTaskInfo. Its only parameter is
// the TaskId, checked to be an integer before the call, so
// InvalidParameter.InvalidParameter ("业务参数错误。") means it names no task:
// NotFound.
var taskInfoErrors = func() *providers.ErrorTable {
	tb := *errorTable
	tb.Codes = maps.Clone(errorKinds)
	tb.Codes["InvalidParameter.InvalidParameter"] = errkind.NotFound
	return &tb
}()

// errorsOf is the error table of action.
func errorsOf(action string) *providers.ErrorTable {
	if action == actTaskInfo {
		return taskInfoErrors
	}
	return errorTable
}

// kindOf classifies a cloud error code; an unknown code is Unknown (the
// request may have been applied).
func kindOf(code string) errkind.Kind { return errorTable.Kind(code, 0) }
