// Package tcmodels holds, for tests only, the response and request types of
// the official Tencent Cloud Redis SDK that backupfn's tests decode the
// emulator's answers into. The typed package
// github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/redis/v20180412 is
// not served by the Go module proxy at a version compatible with the common
// module backupfn uses, so these are copied verbatim (json and name tags
// included, only gofmt'ed) from:
//
//	tencentcloud-sdk-go tencentcloud/redis/v20180412/models.go@144f6c8d
//	tencentcloud-sdk-go tencentcloud/redis/v20180412/client.go@144f6c8d (the New* constructors)
//
// commit 144f6c8d39e410da77a70472f1416e9903740593 (2026-08-21) of
// https://github.com/TencentCloud/tencentcloud-sdk-go (Apache License 2.0,
// Copyright (c) 2017-2025 Tencent). Do not edit the types: re-copy them.
package tcmodels

import (
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
)

// APIVersion is the redis API version (client.go@144f6c8d).
const APIVersion = "2018-04-12"

type ManualBackupInstanceRequest struct {
	*tchttp.BaseRequest

	// 指定实例 ID。例如：crs-xjhsdj****。请登录[Redis控制台](https://console.cloud.tencent.com/redis)在实例列表复制实例 ID。
	InstanceId *string `json:"InstanceId,omitnil,omitempty" name:"InstanceId"`

	// 手动备份任务的备注信息。
	Remark *string `json:"Remark,omitnil,omitempty" name:"Remark"`

	// 备份数据的保存天数。
	// - 单位：天；默认值为7天；取值范围：[0.1825]。如果超过 7天，请[提交工单](https://console.cloud.tencent.com/workorder/category)申请。
	// - 如果不配置该参数，默认与自动备份的保留时间一致。
	// - 如果未设置自动备份，默认为7天。
	StorageDays *int64 `json:"StorageDays,omitnil,omitempty" name:"StorageDays"`
}

// Predefined struct for user
type ManualBackupInstanceResponseParams struct {
	// 任务ID
	TaskId *int64 `json:"TaskId,omitnil,omitempty" name:"TaskId"`

	// 唯一请求 ID，由服务端生成，每次请求都会返回（若请求因其他原因未能抵达服务端，则该次请求不会获得 RequestId）。定位问题时需要提供该次请求的 RequestId。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

type ManualBackupInstanceResponse struct {
	*tchttp.BaseResponse
	Response *ManualBackupInstanceResponseParams `json:"Response"`
}

type DescribeInstanceBackupsRequest struct {
	*tchttp.BaseRequest

	// <p>每页输出的备份列表大小。默认大小为20，最大值为 100。</p>
	Limit *int64 `json:"Limit,omitnil,omitempty" name:"Limit"`

	// <p>分页偏移量，取Limit整数倍。计算公式：offset=limit*(页码-1)。</p>
	Offset *int64 `json:"Offset,omitnil,omitempty" name:"Offset"`

	// <p>待操作的实例ID，可通过 DescribeInstance 接口返回值中的 InstanceId 获取。</p>
	InstanceId *string `json:"InstanceId,omitnil,omitempty" name:"InstanceId"`

	// <p>开始时间，格式如：2017-02-08 16:46:34。查询实例在 [beginTime, endTime] 时间段内开始备份的备份列表，查询时间最大跨度30天。</p>
	BeginTime *string `json:"BeginTime,omitnil,omitempty" name:"BeginTime"`

	// <p>结束时间，格式如：2017-02-08 19:09:26。查询实例在 [beginTime, endTime] 时间段内开始备份的备份列表，查询时间最大跨度30天。</p>
	EndTime *string `json:"EndTime,omitnil,omitempty" name:"EndTime"`

	// <p>备份任务的状态：<br>1：备份在流程中。<br>2：备份正常。<br>3：备份转RDB文件处理中。<br>4：已完成RDB转换。<br>-1：备份已过期。<br>-2：备份已删除。</p>
	Status []*int64 `json:"Status,omitnil,omitempty" name:"Status"`

	// <p>实例名称，支持根据实例名称模糊搜索。</p>
	InstanceName *string `json:"InstanceName,omitnil,omitempty" name:"InstanceName"`
}

// Predefined struct for user
type DescribeInstanceBackupsResponseParams struct {
	// <p>备份总数。</p>
	TotalCount *int64 `json:"TotalCount,omitnil,omitempty" name:"TotalCount"`

	// <p>实例的备份数组。</p>
	BackupSet []*RedisBackupSet `json:"BackupSet,omitnil,omitempty" name:"BackupSet"`

	// 唯一请求 ID，由服务端生成，每次请求都会返回（若请求因其他原因未能抵达服务端，则该次请求不会获得 RequestId）。定位问题时需要提供该次请求的 RequestId。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

type DescribeInstanceBackupsResponse struct {
	*tchttp.BaseResponse
	Response *DescribeInstanceBackupsResponseParams `json:"Response"`
}

type RedisBackupSet struct {
	// <p>备份开始时间。</p>
	StartTime *string `json:"StartTime,omitnil,omitempty" name:"StartTime"`

	// <p>备份任务ID。</p>
	BackupId *string `json:"BackupId,omitnil,omitempty" name:"BackupId"`

	// <p>备份类型。</p><ul><li>1：凌晨系统发起的自动备份。</li><li>0：用户发起的手动备份。</li></ul>
	BackupType *string `json:"BackupType,omitnil,omitempty" name:"BackupType"`

	// <p>备份状态。 </p><ul><li>1：备份被其它流程锁定。</li><li>2：备份正常，没有被任何流程锁定。</li><li>-1：备份已过期。</li><li>3：备份正在被导出。</li><li>4：备份导出成功。</li></ul>
	Status *int64 `json:"Status,omitnil,omitempty" name:"Status"`

	// <p>备份的备注信息。</p>
	Remark *string `json:"Remark,omitnil,omitempty" name:"Remark"`

	// <p>备份是否被锁定。</p><ul><li>0：未被锁定。</li><li>1：已被锁定。</li></ul>
	Locked *int64 `json:"Locked,omitnil,omitempty" name:"Locked"`

	// <p>内部字段，用户可忽略。</p>
	BackupSize *int64 `json:"BackupSize,omitnil,omitempty" name:"BackupSize"`

	// <p>内部字段，用户可忽略。</p>
	FullBackup *int64 `json:"FullBackup,omitnil,omitempty" name:"FullBackup"`

	// <p>内部字段，用户可忽略。</p>
	InstanceType *int64 `json:"InstanceType,omitnil,omitempty" name:"InstanceType"`

	// <p>实例 ID。</p>
	InstanceId *string `json:"InstanceId,omitnil,omitempty" name:"InstanceId"`

	// <p>实例名称。</p>
	InstanceName *string `json:"InstanceName,omitnil,omitempty" name:"InstanceName"`

	// <p>本地备份所在地域。</p>
	Region *string `json:"Region,omitnil,omitempty" name:"Region"`

	// <p>备份结束时间。</p>
	EndTime *string `json:"EndTime,omitnil,omitempty" name:"EndTime"`

	// <p>备份文件类型。</p>
	FileType *string `json:"FileType,omitnil,omitempty" name:"FileType"`

	// <p>备份文件过期时间。</p>
	ExpireTime *string `json:"ExpireTime,omitnil,omitempty" name:"ExpireTime"`

	// <p>备份文件是否加密</p>
	Encrypted *bool `json:"Encrypted,omitnil,omitempty" name:"Encrypted"`
}

type DescribeTaskInfoRequest struct {
	*tchttp.BaseRequest

	// 任务 ID, 请通过接口[DescribeTaskList](https://cloud.tencent.com/document/product/239/39374) 的返回参数 **Tasks** 的子参数 **TaskId** 获取。
	TaskId *uint64 `json:"TaskId,omitnil,omitempty" name:"TaskId"`
}

// Predefined struct for user
type DescribeTaskInfoResponseParams struct {
	// 任务状态。
	// - preparing：待执行。
	// - running：执行中。
	// - succeed：成功。
	// - failed：失败。
	// - error：执行出错。
	Status *string `json:"Status,omitnil,omitempty" name:"Status"`

	// 任务开始时间。
	StartTime *string `json:"StartTime,omitnil,omitempty" name:"StartTime"`

	// 任务类型。常见的类型包含：新建类型、配置变更、关闭实例、清空实例、重置密码、版本升级、备份实例、改变网络类型、实例可用区迁移、手动提主等。
	TaskType *string `json:"TaskType,omitnil,omitempty" name:"TaskType"`

	// 实例的 ID。
	InstanceId *string `json:"InstanceId,omitnil,omitempty" name:"InstanceId"`

	// 任务执行返回的信息，执行错误时显示错误信息。执行中或执行成功则为空。
	TaskMessage *string `json:"TaskMessage,omitnil,omitempty" name:"TaskMessage"`

	// 唯一请求 ID，由服务端生成，每次请求都会返回（若请求因其他原因未能抵达服务端，则该次请求不会获得 RequestId）。定位问题时需要提供该次请求的 RequestId。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

type DescribeTaskInfoResponse struct {
	*tchttp.BaseResponse
	Response *DescribeTaskInfoResponseParams `json:"Response"`
}

type DescribeTaskListRequest struct {
	*tchttp.BaseRequest

	// 指定实例 ID。例如：crs-xjhsdj****。请登录[Redis控制台](https://console.cloud.tencent.com/redis)在实例列表复制实例 ID。
	InstanceId *string `json:"InstanceId,omitnil,omitempty" name:"InstanceId"`

	// 实例名称。请登录 [Redis 控制台](https://console.cloud.tencent.com/redis/instance/list)在实例列表复制实例名称。
	InstanceName *string `json:"InstanceName,omitnil,omitempty" name:"InstanceName"`

	// 每页输出的任务列表大小。默认为 20，最多输出100条。
	Limit *int64 `json:"Limit,omitnil,omitempty" name:"Limit"`

	// 分页偏移量。取值需为 Limit 的整数倍：offset=limit*(页码-1)，默认值为0。
	Offset *int64 `json:"Offset,omitnil,omitempty" name:"Offset"`

	// 该字段已废弃, 请忽略, 项目 ID
	ProjectIds []*int64 `json:"ProjectIds,omitnil,omitempty" name:"ProjectIds"`

	// 任务类型。
	//
	// - FLOW_CREATE: "001"，新建实例。
	// - FLOW_RESIZE ： "002"，配置变更。
	// - FLOW_CLOSE："003"，关闭实例。
	// - FLOW_CLEAN： "004"，清空实例。
	// - FLOW_STARTUP："005"，实例启用。
	// - FLOW_DELETE："006"，删除实例。
	// - FLOW_SETPWD："007"，重置密码。
	// - FLOW_EXPORTBACKUP："009"，导出备份文件。
	// - FLOW_RESTOREBACKUP："010"，恢复备份。
	// - FLOW_BACKUPINSTANCE："012"，备份实例。
	// - FLOW_MIGRATEINSTANCE："013"，迁移实例。
	// - FLOW_DELBACKUP："014"，删除备份。
	// - FLOW_EXCHANGEINSTANCE： "016"，切换实例流程。
	// - FLOW_AUTOBACKUP："017"，自动备份实例。
	// - FLOW_MIGRATECHECK： "022"，迁移参数校验。
	// - FLOW_MIGRATETASK："023"，数据迁移中。
	// - FLOW_CLEANDB："025"，清空某个数据库。
	// - FLOW_CLONEBACKUP："026"，克隆备份。
	// - FLOW_CHANGEVIP： "027"，改变vip地址。
	// - FLOW_EXPORSHR ："028"，扩缩容。
	// - FLOW_ADDNODES："029"，加（减）节点。
	// - FLOW_CHANGENET："031"，改变网络类型。
	// - FLOW_MODIFYINSTACEREADONLY："033"，只读策略变更。
	// - FLOW_MODIFYINSTANCEPARAMS："034"，修改实例参数。
	// - FLOW_MODIFYINSTANCEPASSWORDFREE："035"，设置免密。
	// - FLOW_SWITCHINSTANCEVIP："036"，实例VIP切换。
	// - FLOW_MODIFYINSTANCEACCOUNT："037"，实例账号变更。
	// - FLOW_MODIFYINSTANCEBANDWIDTH："038"，实例带宽变更。
	// - FLOW_ENABLEINSTANCE_REPLICATE："039"，开启副本只读。
	// - FLOW_DISABLEINSTANCE_REPLICATE："040"，关闭副本只读。
	// - FLOW_UpgradeArch："041"，实例架构升级，主从升集群。
	// - FLOW_DowngradeArch： "042"，实例架构降级，集群降主从。
	// - FLOW_UpgradeVersion： "043"，版本升级。
	// - FLOW_MODIFYCONNECTIONCONFIG："044"，带宽连接数调整，
	// - FLOW_CLEARNETWORK："045"，更换网络，
	// - FLOW_REMOVE_BACKUP_FILE："046"，删除备份。
	// - FLOW_UPGRADE_SUPPORT_MULTI_AZ："047"，升级实例支持多可用区。
	// - FLOW_SHUTDOWN_MASTER："048"，模拟故障。
	// - FLOW_CHANGE_REPLICA_TO_MASTER："049"，手动提主。
	// - FLOW_CODE_ADD_REPLICATION_INSTANCE："050"，新增复制组。
	// - FLOW_OPEN_WAN："052"，开通外网。
	// - FLOW_CLOSE_WAN："053"，关闭外网FLOW_UPDATE_WAN："054"，更新外网。
	// - FLOW_CODE_DELETE_REPLICATION_INSTANCE："055"，解绑复制组。
	// - FLOW_CODE_CHANGE_MASTER_INSTANCE："056"，复制组实例切主。
	// - FLOW_CODE_CHANGE_INSTANCE_ROLE： "057"，更改复制组实例角色。
	// - FLOW_MIGRATE_NODE："058"，迁移节点。
	// - FLOW_SWITCH_NODE："059"，切换节点。
	// - FLOW_UPGRADE_SMALL_VERSION："060"，升级 Redis版本。
	// - FLOW_UPGRADE_PROXY_VERSION："061"，升级 Proxy 版本。
	// - FLOW_MODIFY_INSTANCE_NETWORK： "062"，实例修改网络。
	// - FLOW_MIGRATE_PROXY_NODE："063"，迁移proxy节点。
	// - FLOW_MIGRATION_INSTANCE_ZONE："066"，实例可用区迁移中。
	// - FLOW_UPGRADE_INSTANCE_CACHE_AND_PROXY： "067"，实例版本升级中。
	// - FLOW_MODIFY_PROXY_NUM："069"，加（减）Proxy 节点。
	// - FLOW_MODIFYBACKUPMOD："070"，变更实例备份模式。
	TaskTypes []*string `json:"TaskTypes,omitnil,omitempty" name:"TaskTypes"`

	// 任务执行的起始时间，格式如：2021-12-30 00:00:00，支持查询近30天内数据。
	BeginTime *string `json:"BeginTime,omitnil,omitempty" name:"BeginTime"`

	// 任务运行的终止时间。格式如：2021-12-30 20:59:35，支持查询近30天内数据。
	EndTime *string `json:"EndTime,omitnil,omitempty" name:"EndTime"`

	// 该参数为内部使用，请忽略。
	TaskStatus []*int64 `json:"TaskStatus,omitnil,omitempty" name:"TaskStatus"`

	// 任务执行状态。
	// - 0：任务初始化。
	// - 1：执行中。
	// - 2：完成。
	// - 4：失败。
	Result []*int64 `json:"Result,omitnil,omitempty" name:"Result"`

	// 该字段已废弃，使用OperateUin代替，请忽略。
	OperatorUin []*int64 `json:"OperatorUin,omitnil,omitempty" name:"OperatorUin"`

	// 操作者账号 ID，UIN。
	OperateUin []*string `json:"OperateUin,omitnil,omitempty" name:"OperateUin"`
}

// Predefined struct for user
type DescribeTaskListResponseParams struct {
	// 任务总数。
	TotalCount *int64 `json:"TotalCount,omitnil,omitempty" name:"TotalCount"`

	// 任务详细信息。
	Tasks []*TaskInfoDetail `json:"Tasks,omitnil,omitempty" name:"Tasks"`

	// 唯一请求 ID，由服务端生成，每次请求都会返回（若请求因其他原因未能抵达服务端，则该次请求不会获得 RequestId）。定位问题时需要提供该次请求的 RequestId。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

type DescribeTaskListResponse struct {
	*tchttp.BaseResponse
	Response *DescribeTaskListResponseParams `json:"Response"`
}

type TaskInfoDetail struct {
	// 任务 ID。
	TaskId *int64 `json:"TaskId,omitnil,omitempty" name:"TaskId"`

	// 任务开始时间。
	StartTime *string `json:"StartTime,omitnil,omitempty" name:"StartTime"`

	// 任务类型。
	// - FLOW_CREATE: "001"，新建实例
	// - FLOW_RESIZE ： "002"，配置变更
	// - FLOW_CLOSE："003"，关闭实例
	// - FLOW_CLEAN： "004"，清空实例
	// - FLOW_STARTUP："005"，实例启用。
	// - FLOW_DELETE："006"，删除实例。
	// - FLOW_SETPWD："007"，重置密码。
	// - FLOW_EXPORTBACKUP："009"，导出备份文件。
	// - FLOW_RESTOREBACKUP："010"，恢复备份。
	// - FLOW_BACKUPINSTANCE："012"，备份实例。
	// - FLOW_MIGRATEINSTANCE："013"，迁移实例。
	// - FLOW_DELBACKUP："014"，删除备份。
	// - FLOW_EXCHANGEINSTANCE： "016"，切换实例流程。
	// - FLOW_AUTOBACKUP："017"，自动备份实例。
	// - FLOW_MIGRATECHECK： "022"，迁移参数校验。
	// - FLOW_MIGRATETASK："023"，数据迁移中。
	// - FLOW_CLEANDB："025"，清空数据库。
	// - FLOW_CLONEBACKUP："026"，克隆备份。
	// - FLOW_CHANGEVIP： "027"，改变vip地址。
	// - FLOW_EXPORSHR ："028"，扩缩容。
	// - FLOW_ADDNODES："029"，加（减）节点。
	// - FLOW_CHANGENET："031"，改变网络类型。
	// - FLOW_MODIFYINSTACEREADONLY："033"，只读策略变更。
	// - FLOW_MODIFYINSTANCEPARAMS："034"，修改实例参数。
	// - FLOW_MODIFYINSTANCEPASSWORDFREE："035"，设置免密。
	// - FLOW_SWITCHINSTANCEVIP："036"，实例VIP切换。
	// - FLOW_MODIFYINSTANCEACCOUNT："037"，实例账号变更。
	// - FLOW_MODIFYINSTANCEBANDWIDTH："038"，实例带宽变更。
	// - FLOW_ENABLEINSTANCE_REPLICATE："039"，开启副本只读。
	// - FLOW_DISABLEINSTANCE_REPLICATE："040"，关闭副本只读。
	// - FLOW_UpgradeArch："041"，实例架构升级，主从升集群。
	// - FLOW_DowngradeArch： "042"，实例架构降级，集群降主从。
	// - FLOW_UpgradeVersion： "043"，版本升级。
	// - FLOW_MODIFYCONNECTIONCONFIG："044"，带宽连接数调整。
	// - FLOW_CLEARNETWORK："045"，更换网络，
	// - FLOW_REMOVE_BACKUP_FILE："046"，删除备份。
	// - FLOW_UPGRADE_SUPPORT_MULTI_AZ："047"，升级实例支持多可用区。
	// - FLOW_SHUTDOWN_MASTER："048"，模拟故障。
	// - FLOW_CHANGE_REPLICA_TO_MASTER："049"，手动提主。
	// - FLOW_CODE_ADD_REPLICATION_INSTANCE："050"，新增复制组。
	// - FLOW_OPEN_WAN："052"，开通外网。
	// - FLOW_CLOSE_WAN："053"，关闭外网
	// - FLOW_CODE_DELETE_REPLICATION_INSTANCE："055"，解绑复制组。
	// - FLOW_CODE_CHANGE_MASTER_INSTANCE："056"，复制组实例切主。
	// - FLOW_CODE_CHANGE_INSTANCE_ROLE： "057"，更改复制组实例角色。
	// - FLOW_MIGRATE_NODE："058"，迁移节点。
	// - FLOW_SWITCH_NODE："059"，切换节点。
	// - FLOW_UPGRADE_SMALL_VERSION："060"，升级 Redis版本。
	// - FLOW_UPGRADE_PROXY_VERSION："061"，升级 Proxy 版本。
	// - FLOW_MODIFY_INSTANCE_NETWORK： "062"，实例修改网络。
	// - FLOW_MIGRATE_PROXY_NODE："063"，迁移 proxy节点。
	// - FLOW_MIGRATION_INSTANCE_ZONE："066"，实例可用区迁移中。
	// - FLOW_UPGRADE_INSTANCE_CACHE_AND_PROXY： "067"，实例版本升级中。
	// - FLOW_MODIFY_PROXY_NUM："069"，加（减）Proxy 节点。
	// - FLOW_MODIFYBACKUPMOD："070"，变更实例备份模式。
	TaskType *string `json:"TaskType,omitnil,omitempty" name:"TaskType"`

	// 实例名称。
	InstanceName *string `json:"InstanceName,omitnil,omitempty" name:"InstanceName"`

	// 实例 ID。
	InstanceId *string `json:"InstanceId,omitnil,omitempty" name:"InstanceId"`

	// 项目 ID。
	ProjectId *int64 `json:"ProjectId,omitnil,omitempty" name:"ProjectId"`

	// 任务进度。
	Progress *float64 `json:"Progress,omitnil,omitempty" name:"Progress"`

	// 任务执行结束时间。
	EndTime *string `json:"EndTime,omitnil,omitempty" name:"EndTime"`

	// 任务执行状态。
	//
	// 0：任务初始化。
	// 1：执行中。
	// 2：完成。
	// 4：失败。
	Result *int64 `json:"Result,omitnil,omitempty" name:"Result"`
}

func NewManualBackupInstanceRequest() (request *ManualBackupInstanceRequest) {
	request = &ManualBackupInstanceRequest{
		BaseRequest: &tchttp.BaseRequest{},
	}

	request.Init().WithApiInfo("redis", APIVersion, "ManualBackupInstance")

	return
}

func NewManualBackupInstanceResponse() (response *ManualBackupInstanceResponse) {
	response = &ManualBackupInstanceResponse{
		BaseResponse: &tchttp.BaseResponse{},
	}
	return

}

func NewDescribeInstanceBackupsRequest() (request *DescribeInstanceBackupsRequest) {
	request = &DescribeInstanceBackupsRequest{
		BaseRequest: &tchttp.BaseRequest{},
	}

	request.Init().WithApiInfo("redis", APIVersion, "DescribeInstanceBackups")

	return
}

func NewDescribeInstanceBackupsResponse() (response *DescribeInstanceBackupsResponse) {
	response = &DescribeInstanceBackupsResponse{
		BaseResponse: &tchttp.BaseResponse{},
	}
	return

}

func NewDescribeTaskInfoRequest() (request *DescribeTaskInfoRequest) {
	request = &DescribeTaskInfoRequest{
		BaseRequest: &tchttp.BaseRequest{},
	}

	request.Init().WithApiInfo("redis", APIVersion, "DescribeTaskInfo")

	return
}

func NewDescribeTaskInfoResponse() (response *DescribeTaskInfoResponse) {
	response = &DescribeTaskInfoResponse{
		BaseResponse: &tchttp.BaseResponse{},
	}
	return

}

func NewDescribeTaskListRequest() (request *DescribeTaskListRequest) {
	request = &DescribeTaskListRequest{
		BaseRequest: &tchttp.BaseRequest{},
	}

	request.Init().WithApiInfo("redis", APIVersion, "DescribeTaskList")

	return
}

func NewDescribeTaskListResponse() (response *DescribeTaskListResponse) {
	response = &DescribeTaskListResponse{
		BaseResponse: &tchttp.BaseResponse{},
	}
	return

}
