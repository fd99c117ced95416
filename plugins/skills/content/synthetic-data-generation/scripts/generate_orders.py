"""Generates a small retail data set: customers, products and orders with realistic shapes.

Run on Databricks (for example with mcp__databricks__run_python_file):

    generate_orders.py --catalog main --schema demo --customers 10000 --orders 500000 [--files]

Writes the Delta tables <catalog>.<schema>.customers, .products and .orders. With --files it
also writes the orders as JSON lines into /Volumes/<catalog>/<schema>/landing/orders/batch_NNN,
in several batches, for an ingestion pipeline to pick up. Every column has its own seed, so a
rerun with the same arguments produces the same data.
"""

import argparse

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

FIRST_NAMES = ["Ana", "Ben", "Chloe", "David", "Emma", "Felix", "Greta", "Hugo", "Ines", "Jonas"]
LAST_NAMES = ["Schmidt", "Martin", "Rossi", "Garcia", "de Vries", "Novak", "Silva", "Berg"]
COUNTRIES = ["DE", "FR", "IT", "ES", "NL", "PL", "PT", "SE"]
CATEGORIES = ["books", "electronics", "garden", "kitchen", "sports", "toys"]


def pick(values, seed):
    """A uniformly random element of a Python list, as a column."""
    array = F.array(*[F.lit(v) for v in values])
    return F.element_at(array, (F.rand(seed) * len(values)).cast("int") + 1)


def customers(spark: SparkSession, n: int) -> DataFrame:
    return (
        spark.range(1, n + 1)
        .withColumnRenamed("id", "customer_id")
        .withColumn("first_name", pick(FIRST_NAMES, 11))
        .withColumn("last_name", pick(LAST_NAMES, 12))
        .withColumn(
            "email",
            F.lower(F.concat_ws(".", "first_name", F.regexp_replace("last_name", " ", ""), F.col("customer_id").cast("string"))),
        )
        .withColumn("email", F.concat("email", F.lit("@example.com")))
        # 3% of customers never gave an e-mail address
        .withColumn("email", F.when(F.rand(13) < 0.03, None).otherwise(F.col("email")))
        .withColumn("country", pick(COUNTRIES, 14))
        .withColumn("r", F.rand(15))
        .withColumn(
            "segment",
            F.when(F.col("r") < 0.7, "consumer").when(F.col("r") < 0.95, "small_business").otherwise("enterprise"),
        )
        .withColumn("signup_date", F.date_add(F.lit("2023-01-01").cast("date"), (F.rand(16) * 730).cast("int")))
        .drop("r")
    )


def products(spark: SparkSession, n: int) -> DataFrame:
    return (
        spark.range(1, n + 1)
        .withColumnRenamed("id", "product_id")
        .withColumn("category", pick(CATEGORIES, 21))
        .withColumn("product_name", F.concat_ws(" ", F.initcap("category"), F.lit("item"), F.col("product_id").cast("string")))
        # log-normal prices: many cheap products, a few expensive ones
        .withColumn("list_price", F.round(F.exp(F.lit(3.0) + F.randn(22) * 0.9), 2))
    )


def orders(spark: SparkSession, n: int, n_customers: int, n_products: int) -> DataFrame:
    start = F.lit("2024-01-01").cast("date")
    return (
        spark.range(1, n + 1)
        .withColumnRenamed("id", "order_id")
        # skewed: a minority of customers places most orders
        .withColumn("customer_id", (F.pow(F.rand(31), 2) * n_customers).cast("long") + 1)
        .withColumn("product_id", (F.pow(F.rand(32), 1.5) * n_products).cast("long") + 1)
        .withColumn("quantity", F.when(F.rand(33) < 0.8, 1).otherwise((F.rand(34) * 4).cast("int") + 2))
        .withColumn("day", F.date_add(start, (F.rand(35) * 365).cast("int")))
        # more orders at weekends: redraw a share of weekday orders onto the next Saturday
        .withColumn(
            "day",
            F.when((F.dayofweek("day").between(2, 6)) & (F.rand(36) < 0.25), F.next_day("day", "Sat")).otherwise(F.col("day")),
        )
        .withColumn("order_ts", F.timestamp_seconds(F.unix_timestamp("day") + (F.rand(37) * 86400).cast("long")))
        .withColumn("status", F.when(F.rand(38) < 0.04, "CANCELLED").when(F.rand(39) < 0.9, "SHIPPED").otherwise("PAID"))
        .drop("day")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", default="main")
    parser.add_argument("--schema", default="demo")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--files", action="store_true", help="also write JSON batches to the landing volume")
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()

    spark = SparkSession.builder.getOrCreate()
    target = f"{args.catalog}.{args.schema}"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {target}")

    c = customers(spark, args.customers)
    p = products(spark, args.products)
    o = orders(spark, args.orders, args.customers, args.products)
    # amount from the product's price, so that orders and products agree
    o = o.join(p.select("product_id", "list_price"), "product_id").withColumn(
        "amount", F.round(F.col("list_price") * F.col("quantity"), 2)
    ).drop("list_price")

    for name, df in [("customers", c), ("products", p), ("orders", o)]:
        df.write.mode("overwrite").option("overwriteSchema", "true").saveAsTable(f"{target}.{name}")
        print(f"wrote {target}.{name}: {spark.table(f'{target}.{name}').count()} rows")

    if args.files:
        spark.sql(f"CREATE VOLUME IF NOT EXISTS {target}.landing")
        base = f"/Volumes/{args.catalog}/{args.schema}/landing/orders"
        with_batch = o.withColumn("batch", (F.col("order_id") % args.batches).cast("int") + 1)
        for b in range(1, args.batches + 1):
            path = f"{base}/batch_{b:03d}"
            with_batch.where(F.col("batch") == b).drop("batch").repartition(2).write.mode("overwrite").json(path)
            print(f"wrote {path}")

    orphans = o.join(c, "customer_id", "left_anti").count()
    if orphans:
        raise SystemExit(f"{orphans} orders point at missing customers")


if __name__ == "__main__":
    main()
