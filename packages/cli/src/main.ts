console.log("hft")
