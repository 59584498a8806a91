"""A small local Spark session for smelt's interop tests: local[2], a 1 GiB
driver, UTC, Delta enabled, every jar from scripts/peers/spark's directory
(no download at run time), no UI.

  from sparklib import session
  spark = session(jars_dir)
"""
import glob
import os


def session(jars_dir, app="smelt-interop"):
    os.environ.setdefault("PYSPARK_PYTHON", os.path.realpath(os.sys.executable))
    from pyspark.sql import SparkSession

    jars = sorted(glob.glob(os.path.join(jars_dir, "*.jar")))
    # delta/kafka/jdbc only; the 700 MB AWS bundle just slows start-up here
    jars = [j for j in jars if not os.path.basename(j).startswith("bundle-")]
    b = (
        SparkSession.builder.master("local[2]")
        .appName(app)
        .config("spark.driver.memory", "1g")
        .config("spark.jars", ",".join(jars))
        .config("spark.jars.ivy", "/nonexistent-no-ivy")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC -XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
    )
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
