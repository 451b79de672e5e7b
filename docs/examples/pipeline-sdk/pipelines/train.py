"""The churn training pipeline: preprocess -> train -> evaluate -> accuracy check -> register for approval.

reconciler calls ``build()`` with no arguments, offline (no connection leaves the machine while it
runs), so everything the SDK would otherwise look up is given: the role ARN, the region, the bucket
(``default_bucket`` is overridden: the SDK would create it) and code already in S3. The model
package group is a reference, resolved by reconciler like any other.
"""

from __future__ import annotations

from typing import Any

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
BUCKET = "ml-artifacts"
GROUP = "${ModelPackageGroup.churn.name}"


def build() -> Any:
    """The pipeline (reconciler takes its ``definition()``)."""
    import boto3
    from sagemaker.core import image_uris
    from sagemaker.core.processing import ScriptProcessor
    from sagemaker.core.shapes import ProcessingInput, ProcessingOutput, ProcessingS3Input, ProcessingS3Output
    from sagemaker.core.workflow.conditions import ConditionGreaterThanOrEqualTo
    from sagemaker.core.workflow.functions import JsonGet
    from sagemaker.core.workflow.parameters import ParameterFloat, ParameterString
    from sagemaker.core.workflow.pipeline_context import PipelineSession
    from sagemaker.core.workflow.properties import PropertyFile
    from sagemaker.mlops.workflow.condition_step import ConditionStep
    from sagemaker.mlops.workflow.fail_step import FailStep
    from sagemaker.mlops.workflow.model_step import ModelStep
    from sagemaker.mlops.workflow.pipeline import Pipeline
    from sagemaker.mlops.workflow.steps import ProcessingStep, TrainingStep
    from sagemaker.serve.model_builder import ModelBuilder
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, InputData, OutputDataConfig

    class OfflineSession(PipelineSession):  # type: ignore[misc]
        def default_bucket(self) -> str:
            return BUCKET

    session = OfflineSession(boto_session=boto3.Session(region_name=REGION), default_bucket=BUCKET)
    input_data = ParameterString(name="InputData", default_value=f"s3://{BUCKET}/churn/raw/")
    train_instance = ParameterString(name="TrainInstanceType", default_value="ml.m5.xlarge")
    min_accuracy = ParameterFloat(name="MinAccuracy", default_value=0.8)
    sklearn = image_uris.retrieve("sklearn", REGION, "1.2-1")
    xgboost = image_uris.retrieve("xgboost", REGION, "1.7-1")

    def s3_output(name: str) -> ProcessingOutput:
        return ProcessingOutput(output_name=name, s3_output=ProcessingS3Output(
            s3_uri=f"s3://{BUCKET}/churn/{name}", local_path=f"/opt/ml/processing/{name}", s3_upload_mode="EndOfJob"))

    preprocess = ProcessingStep(name="Preprocess", step_args=ScriptProcessor(
        image_uri=sklearn, command=["python3"], instance_type="ml.m5.xlarge", instance_count=1,
        sagemaker_session=session, role=ROLE,
    ).run(code=f"s3://{BUCKET}/churn/code/preprocess.py",
          inputs=[ProcessingInput(input_name="raw", s3_input=ProcessingS3Input(
              s3_uri=input_data, local_path="/opt/ml/processing/input/raw", s3_data_type="S3Prefix",
              s3_input_mode="File"))],
          outputs=[s3_output("train"), s3_output("test")]))
    train = TrainingStep(name="Train", step_args=ModelTrainer(
        training_image=xgboost, compute=Compute(instance_type=train_instance, instance_count=1),
        hyperparameters={"objective": "binary:logistic", "num_round": "200", "max_depth": "5"},
        sagemaker_session=session, role=ROLE,
        output_data_config=OutputDataConfig(s3_output_path=f"s3://{BUCKET}/churn/models"),
        input_data_config=[InputData(
            channel_name="train",
            data_source=preprocess.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri)],
    ).train())
    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluate = ProcessingStep(name="Evaluate", property_files=[report], step_args=ScriptProcessor(
        image_uri=xgboost, command=["python3"], instance_type="ml.m5.xlarge", instance_count=1,
        sagemaker_session=session, role=ROLE,
    ).run(code=f"s3://{BUCKET}/churn/code/evaluate.py",
          inputs=[ProcessingInput(input_name="model", s3_input=ProcessingS3Input(
              s3_uri=train.properties.ModelArtifacts.S3ModelArtifacts, local_path="/opt/ml/processing/model",
              s3_data_type="S3Prefix", s3_input_mode="File"))],
          outputs=[s3_output("evaluation")]))
    register = ModelStep(name="Register", step_args=ModelBuilder(
        s3_model_data_url=train.properties.ModelArtifacts.S3ModelArtifacts, image_uri=xgboost,
        sagemaker_session=session, role_arn=ROLE,
    ).register(model_package_group_name=GROUP, content_types=["text/csv"], response_types=["text/csv"],
               inference_instances=["ml.m5.large", "ml.m5.xlarge"], approval_status="PendingManualApproval"))
    check = ConditionStep(
        name="CheckAccuracy",
        conditions=[ConditionGreaterThanOrEqualTo(
            left=JsonGet(step_name="Evaluate", property_file=report, json_path="metrics.accuracy.value"),
            right=min_accuracy)],
        if_steps=[register],
        else_steps=[FailStep(name="AccuracyTooLow", error_message="accuracy below MinAccuracy: not registered")],
    )
    return Pipeline(name="churn-train", parameters=[input_data, train_instance, min_accuracy],
                    steps=[preprocess, train, evaluate, check], sagemaker_session=session)
